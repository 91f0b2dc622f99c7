//! Reader throughput: cutting a CSV stream into record-aligned chunks, and parsing those
//! chunks with the csv crate, on an in-memory copy of the fixture log repeated to ~20 MB.
//! Run: `cargo bench --bench reader`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use demand::input::Chunker;
use std::hint::black_box;

fn data() -> Vec<u8> {
    let fixture = std::fs::read("fixtures/contacts.csv").expect("fixture present");
    let body_start = fixture.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut out = fixture.clone();
    while out.len() < 20 << 20 {
        out.extend_from_slice(&fixture[body_start..]);
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = data();
    let mut group = c.benchmark_group("reader");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(20);
    group.bench_function("chunk_only", |b| {
        b.iter(|| {
            let mut chunker = Chunker::new(&data[..], "bench", Some(b','), 1 << 20).unwrap();
            let mut n = 0;
            while let Some(chunk) = chunker.next_chunk().unwrap() {
                n += chunk.data.len();
            }
            black_box(n)
        })
    });
    group.bench_function("chunk_and_parse", |b| {
        b.iter(|| {
            let mut chunker = Chunker::new(&data[..], "bench", Some(b','), 1 << 20).unwrap();
            let mut record = csv::ByteRecord::new();
            let mut fields = 0;
            while let Some(chunk) = chunker.next_chunk().unwrap() {
                let mut rdr = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(&chunk.data[..]);
                while rdr.read_byte_record(&mut record).unwrap() {
                    fields += record.len();
                }
            }
            black_box(fields)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
