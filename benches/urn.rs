//! URN parsing (issue 6, item 3): `Urn::parse` on the 8-field form, as the path extractor
//! sees it after percent-decoding, plus the decode step for a percent-encoded URN (what
//! the Python SDK sends) and the short form.
//!
//! `cargo bench --bench urn`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fgs_emulator::domain::Urn;

mod support;

const FULL: &str =
    "urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:bench-fn:latest";
const FULL_VERSION: &str = "urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:bench-fn:v20261128-193015";
const ENCODED: &str = "urn%3Afss%3Acn-north-4%3A0123456789abcdef0123456789abcdef%3Afunction%3Adefault%3Abench-fn%3A%21prod";

fn urn(c: &mut Criterion) {
    let mut g = c.benchmark_group("urn");
    g.bench_function("parse_8_fields_latest", |b| {
        b.iter(|| Urn::parse(black_box(FULL)).unwrap())
    });
    g.bench_function("parse_8_fields_version", |b| {
        b.iter(|| Urn::parse(black_box(FULL_VERSION)).unwrap())
    });
    g.bench_function("parse_1_field", |b| {
        b.iter(|| Urn::parse(black_box("bench-fn")).unwrap())
    });
    g.bench_function("percent_decode_then_parse_alias", |b| {
        b.iter(|| {
            let decoded = percent_encoding::percent_decode_str(black_box(ENCODED))
                .decode_utf8()
                .unwrap();
            Urn::parse(&decoded).unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = support::quick();
    targets = urn
}
criterion_main!(benches);
