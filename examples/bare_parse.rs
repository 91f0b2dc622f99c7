//! The yardstick for `benches/throughput.sh`: parse a CSV file with the same csv reader
//! settings `demand` uses (byte records, flexible field counts, one reused record) and
//! touch every field, on one thread. `demand`'s speed targets are ratios to this.
//!
//! Run: `cargo run --release --example bare_parse -- FILE`.

fn main() {
    let path = std::env::args().nth(1).expect("usage: bare_parse FILE");
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut record = csv::ByteRecord::new();
    let (mut rows, mut bytes) = (0u64, 0u64);
    while rdr.read_byte_record(&mut record).expect("readable CSV") {
        rows += 1;
        for field in record.iter() {
            bytes += field.len() as u64;
        }
    }
    println!("{rows} records, {bytes} field bytes");
}
