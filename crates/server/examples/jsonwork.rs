#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use serde_json::{Value, json};
use std::time::Instant;
fn med(mut v: Vec<u128>) -> f64 {
    v.sort();
    v[v.len() / 2] as f64 / 1000.0
}
struct Counter(usize);
impl std::io::Write for Counter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
fn main() {
    let body = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let n = 20000;
    if std::env::var("PROF").is_ok() {
        let mut v: Value = serde_json::from_str(&body).unwrap();
        let data = v.as_object_mut().unwrap().remove("data").unwrap();
        for _ in 0..100000 {
            std::hint::black_box(ds24_mcp::shape::lean(&data));
        }
        return;
    }
    let mut t = vec![vec![]; 8];
    for _ in 0..n {
        let a = Instant::now();
        let mut v: Value = serde_json::from_str(&body).unwrap();
        let data = v.as_object_mut().unwrap().remove("data").unwrap();
        let b = Instant::now();
        let lean = ds24_mcp::shape::lean(&data);
        let c = Instant::now();
        let text = serde_json::to_string(&lean).unwrap();
        let d = Instant::now();
        let mut cn = Counter(0);
        serde_json::to_writer(&mut cn, &data).unwrap();
        let e = Instant::now();
        drop(lean);
        let f = Instant::now();
        let msg = json!({"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":text}],"structuredContent":data,"isError":false}});
        let mut w = vec![0u8; 20711 + 256];
        w.clear();
        let f = Instant::now();
        let out2 = {
            serde_json::to_writer(&mut w, &msg).unwrap();
            w
        };
        let g = Instant::now();
        let out = serde_json::to_vec(&msg).unwrap();
        let h = Instant::now();
        let mut cn2 = Counter(0);
        serde_json::to_writer(&mut cn2, &msg["result"]["content"][0]["text"]).unwrap();
        let i = Instant::now();
        std::hint::black_box((out, out2));
        for (k, x) in [b - a, c - b, d - c, e - d, f - e, g - f, h - g, i - h]
            .into_iter()
            .enumerate()
        {
            t[k].push(x.as_nanos());
        }
    }
    let names = [
        "parse",
        "lean build",
        "lean to_string",
        "json_len data",
        "drop lean",
        "to_vec presized",
        "to_vec msg",
        "escape text only",
    ];
    for (k, name) in names.iter().enumerate() {
        print!("{name} {:.1}  ", med(t[k].clone()));
    }
    println!();
}
