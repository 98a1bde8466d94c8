//! Response serialisation (issue 6, item 3): `FunctionView::new` (the wire view of a
//! snapshot) and `serde_json::to_vec`, together as every function-returning response pays
//! them, and apart to show which half costs what; `to_json` is the hand-written writer
//! responses use (issue 14), against serde's `to_vec` of the same view.
//!
//! `cargo bench --bench view`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fgs_emulator::api::view::{CodeInBody, FunctionView};
use fgs_emulator::service::input::PublishBody;

mod support;

fn view(c: &mut Criterion) {
    let service = support::service();
    let project = support::project();
    let (urn, _) = support::create_function(&service, "bench-fn");
    let body = PublishBody {
        version: Some("v1".into()),
        description: Some("first benchmark version".into()),
        digest: None,
    };
    let version = service
        .create_function_version(&project, &urn, body.parse())
        .unwrap();
    let offset = service.settings().utc_offset;
    let bytes = serde_json::to_vec(&FunctionView::new(&version, CodeInBody::Omit, offset)).unwrap();
    eprintln!("view: a publish response is {} bytes", bytes.len());

    let mut g = c.benchmark_group("view");
    g.bench_function("new_and_to_vec", |b| {
        b.iter(|| {
            serde_json::to_vec(&FunctionView::new(
                black_box(&version),
                CodeInBody::Omit,
                offset,
            ))
            .unwrap()
        })
    });
    g.bench_function("new", |b| {
        b.iter(|| {
            black_box(FunctionView::new(
                black_box(&version),
                CodeInBody::Omit,
                offset,
            ))
        })
    });
    let view = FunctionView::new(&version, CodeInBody::Omit, offset);
    g.bench_function("to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&view)).unwrap())
    });
    // What responses use since issue 14: the same bytes, keys written as literals.
    g.bench_function("to_json", |b| {
        b.iter(|| black_box(&view).to_json().unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = support::quick();
    targets = view
}
criterion_main!(benches);
