//! What the lean text costs in memory on answers shaped to hurt (reviews of stop 21): records
//! that share no field, a wide first record before many empty ones, and a long key over many
//! nested fields. The table builder once made a grid of records × columns before it saw that
//! such records stay a list (hundreds of MB for a few thousand records, within the default size
//! cap), made room for every record at the first one's width, and repeated a dotted name's whole
//! prefix in every flattened field (82 KB of answer made 131 MB of text).
//!
//! Memory is read as the process's peak resident size (`VmHWM`), reset before each measure
//! through `/proc/self/clear_refs`, and as its peak virtual size (`VmPeak`, which room made but
//! not yet written raises); the tests take turns, inputs built included, so one measure is one
//! call. Linux only: that is where these counters are.

#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Mutex, MutexGuard, PoisonError};

use ds24_client::Doc;

/// One measure at a time: the peaks are the whole process's.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("{field} not in /proc/self/status"));
    let kib: usize = line
        .trim_start_matches(field)
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib * 1024
}

/// What making a lean text took.
struct Cost {
    /// How far the resident size rose above where it was.
    resident: usize,
    /// How far the peak virtual size rose (room made, written or not).
    reserved: usize,
}

/// The lean text of `json`, and what making it took. The caller holds its turn.
fn lean_cost(json: String) -> (String, Cost) {
    let doc = Doc::parse(json).unwrap();
    // "5" resets the resident peak to the present resident size.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let (resident, reserved) = (status_bytes("VmHWM:"), status_bytes("VmPeak:"));
    let text = ds24_mcp::shape::lean_text(doc.root());
    let cost = Cost {
        resident: status_bytes("VmHWM:").saturating_sub(resident),
        reserved: status_bytes("VmPeak:").saturating_sub(reserved),
    };
    (text, cost)
}

#[test]
fn records_that_share_no_field_cost_their_size_not_records_times_fields() {
    let _turn = turn();
    // 3,000 records with a field each, none shared: 45 KB of JSON. A grid of them would be
    // 9,000,000 cells (about 288 MB).
    let records: Vec<String> = (0..3_000).map(|i| format!(r#"{{"k{i}":"v"}}"#)).collect();
    for json in [
        format!(r#"{{"list":[{}]}}"#, records.join(",")),
        // One level down, as inside the rows of an outer list.
        format!(
            r#"{{"x":[{{"list":[{}]}},{{"y":"1"}}]}}"#,
            records.join(",")
        ),
    ] {
        let size = json.len();
        let (text, cost) = lean_cost(json);
        assert!(text.contains(r#"{"k2999":"v"}"#), "{}", &text[..200]);
        assert!(
            cost.resident < 32 << 20,
            "{} bytes at once for {size} bytes of records that stay a list",
            cost.resident
        );
    }
}

#[test]
fn a_wide_first_record_before_many_empty_ones_costs_its_size() {
    let _turn = turn();
    // 10,000 fields, then 100,000 empty records: room for every record at the first one's
    // width would be 10^9 cells (56 GB: more than the machine has, so the allocation failed
    // and the test process aborted; room of a few GB was made and never written).
    let fields: Vec<String> = (0..10_000).map(|i| format!(r#""f{i}":"v""#)).collect();
    let json = format!(
        r#"{{"list":[{{{}}},{}]}}"#,
        fields.join(","),
        vec!["{}"; 100_000].join(",")
    );
    let size = json.len();
    let (text, cost) = lean_cost(json);
    assert!(text.contains(r#""f9999":"v""#));
    assert!(
        cost.resident < 32 << 20 && cost.reserved < 256 << 20,
        "{} bytes at once ({} bytes of room) for {size} bytes of records",
        cost.resident,
        cost.reserved
    );
}

#[test]
fn a_long_key_over_many_fields_costs_its_size() {
    let _turn = turn();
    // A 64 KiB key over an object of 2,000 fields, in a list of records: 82 KB of JSON. Each
    // field flattened under that key's name repeated it (131 MB of text).
    let fields: Vec<String> = (0..2_000).map(|i| format!(r#""{i}":1"#)).collect();
    let key = "k".repeat(64 << 10);
    let json = format!(r#"{{"list":[{{"{key}":{{{}}}}},{{}}]}}"#, fields.join(","));
    let size = json.len();
    let (text, cost) = lean_cost(json);
    assert!(text.contains(r#""1999":1"#), "{}", &text[..200]);
    assert!(
        text.len() < 2 * size && cost.resident < 32 << 20,
        "{} bytes of text, {} bytes at once, for {size} bytes of answer",
        text.len(),
        cost.resident
    );
}
