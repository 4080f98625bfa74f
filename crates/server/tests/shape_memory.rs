//! What the lean text costs in memory on answers shaped to hurt (review of stop 21, findings 1
//! and 2): records that share no field, and a wide first record before many empty ones. The
//! table builder once made a grid of records × columns before it saw that such records stay a
//! list (hundreds of MB for a few thousand records, within the default size cap), and made room
//! for every record at the first one's width.
//!
//! Memory is read as the process's peak resident size (`VmHWM`), reset before each measure
//! through `/proc/self/clear_refs` (Linux); the tests take turns, so one measure is one call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;

use ds24_client::Doc;

/// One measure at a time: the peak is the whole process's.
static TURN: Mutex<()> = Mutex::new(());

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

/// How far the resident size rose above where it was while `work` ran.
fn peak_of(work: impl FnOnce()) -> usize {
    // "5" resets the peak to the present resident size.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = status_bytes("VmHWM:");
    work();
    status_bytes("VmHWM:").saturating_sub(before)
}

/// The lean text of `json`, and the most memory making it took.
fn lean_peak(json: String) -> (String, usize) {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let doc = Doc::parse(json).unwrap();
    let mut text = String::new();
    let peak = peak_of(|| text = ds24_mcp::shape::lean_text(doc.root()));
    (text, peak)
}

#[test]
fn records_that_share_no_field_cost_their_size_not_records_times_fields() {
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
        let (text, peak) = lean_peak(json);
        assert!(text.contains(r#"{"k2999":"v"}"#), "{}", &text[..200]);
        assert!(
            peak < 32 << 20,
            "{peak} bytes at once for {size} bytes of records that stay a list"
        );
    }
}

#[test]
fn a_wide_first_record_before_many_empty_ones_costs_its_size() {
    // 10,000 fields, then 100,000 empty records: room for every record at the first one's
    // width would be 10^9 cells (56 GB: more than the machine has, so the allocation failed
    // and the test process aborted).
    let fields: Vec<String> = (0..10_000).map(|i| format!(r#""f{i}":"v""#)).collect();
    let json = format!(
        r#"{{"list":[{{{}}},{}]}}"#,
        fields.join(","),
        vec!["{}"; 100_000].join(",")
    );
    let size = json.len();
    let (text, peak) = lean_peak(json);
    assert!(text.contains(r#""f9999":"v""#));
    assert!(
        peak < 32 << 20,
        "{peak} bytes at once for {size} bytes of records"
    );
}
