//! Publish in the service layer (issue 6, item 3): `Service::create_function_version` with
//! a unique version name each time, the cap and the unchanged check lifted.
//!
//! `existing/N`: the function already has N published versions when the timed publish runs
//! (the new version is removed again, untimed, so N stays put). N = 9 is the default cap's
//! last publish; N = 1000 shows what a lifted cap costs (the name check scans the versions).
//! `code/1KiB` vs `code/10MiB` (issue 6 item 5): publishing must not copy the code, so the
//! two should cost the same. `show_config` is the read path for comparison.
//!
//! `cargo bench --bench publish`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use fgs_emulator::service::input::PublishBody;

mod support;

fn publish_body(n: u64) -> PublishBody {
    PublishBody {
        version: Some(format!("v{n:010}")),
        description: Some("benchmark".into()),
        digest: None,
    }
}

/// Publishes into a function that holds `existing` versions; the new one is removed again
/// (untimed) so the count stays put.
fn bench_publish(
    b: &mut criterion::Bencher<'_>,
    service: &fgs_emulator::service::Service,
    urn: &fgs_emulator::domain::Urn,
    key: &fgs_emulator::store::FunctionKey,
    next: &mut u64,
) {
    let project = support::project();
    b.iter_custom(|iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            *next += 1;
            // Parsing the body is part of a publish; building it is not.
            let body = publish_body(*next);
            let started = Instant::now();
            let snapshot = service
                .create_function_version(&project, urn, body.parse())
                .unwrap();
            total += started.elapsed();
            // Undo the publish (outside the timing) so each iteration sees the same store.
            let name = snapshot.qualifier.to_string();
            black_box(snapshot);
            service.store().update_function(key.borrowed(), |f| {
                f.versions.remove(&name);
                Ok::<_, std::io::Error>(())
            });
        }
        total
    })
}

fn publish(c: &mut Criterion) {
    let mut g = c.benchmark_group("publish");
    for existing in [0u64, 9, 1000] {
        let service = support::service();
        let project = support::project();
        let (urn, key) = support::create_function(&service, "bench-fn");
        for n in 0..existing {
            service
                .create_function_version(&project, &urn, publish_body(n).parse())
                .unwrap();
        }
        let mut next = 1_000_000u64;
        g.bench_with_input(BenchmarkId::new("existing", existing), &existing, |b, _| {
            bench_publish(b, &service, &urn, &key, &mut next)
        });
    }
    for (label, size) in [("1KiB", 1024usize), ("10MiB", 10 * 1024 * 1024)] {
        let service = support::service();
        // Incompressible-looking bytes, so nothing can cheat on content.
        let code: Vec<u8> = (0..size)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let (urn, key) = support::create_function_with_code(&service, "code-fn", "zip", &code);
        let mut next = 1_000_000u64;
        g.bench_function(BenchmarkId::new("code", label), |b| {
            bench_publish(b, &service, &urn, &key, &mut next)
        });
    }
    let service = support::service();
    let project = support::project();
    let (urn, _) = support::create_function(&service, "bench-fn");
    g.bench_function("show_config", |b| {
        b.iter(|| {
            service
                .show_function_config(&project, black_box(&urn))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = support::quick();
    targets = publish
}
criterion_main!(benches);
