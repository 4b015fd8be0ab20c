//! elfsize: what an ELF file spends its bytes on, by section, with its
//! largest demangled symbols and how well each section compresses.

use std::env;
use std::fs;
use std::process::ExitCode;

use hashbrown::HashMap;
use object::read::elf::{ElfFile64, FileHeader};
use object::{Object, ObjectSection, ObjectSymbol};

cfg_if::cfg_if! {
    if #[cfg(target_pointer_width = "64")] {
        const WORD: &str = "64-bit";
    } else {
        const WORD: &str = "32-bit";
    }
}

struct Options {
    top: usize,
    compress: bool,
    path: String,
}

fn options() -> Result<Options, String> {
    let args: Vec<String> = env::args().collect();
    let mut o = getopts::Options::new();
    o.optopt("t", "top", "how many symbols to list", "N");
    o.optflag("z", "compress", "deflate each section and print the ratio");
    o.optflag("h", "help", "this help");
    let m = o.parse(&args[1..]).map_err(|e| e.to_string())?;
    if m.opt_present("h") {
        return Err(o.usage("usage: elfsize [-t N] [-z] [FILE]"));
    }
    let top = match m.opt_str("t") {
        Some(n) => n.parse().map_err(|_| format!("--top {n}: not a number"))?,
        None => 10,
    };
    let path = match m.free.first() {
        Some(p) => p.clone(),
        None => env::current_exe().map_err(|e| e.to_string())?.display().to_string(),
    };
    Ok(Options { top, compress: m.opt_present("z"), path })
}

fn report(o: &Options, data: &[u8]) -> Result<(), String> {
    let file = ElfFile64::<object::Endianness>::parse(data).map_err(|e| e.to_string())?;
    let endian = file.endian();
    println!("{}: {} ELF, {} sections, machine {}", o.path, WORD,
        file.sections().count(), file.elf_header().e_machine(endian));
    let mut by_kind: HashMap<String, u64> = HashMap::new();
    for s in file.sections() {
        let name = s.name().unwrap_or("?");
        let kind = name.split('.').nth(1).unwrap_or("other").to_string();
        *by_kind.entry(kind).or_insert(0) += s.size();
        if o.compress && s.size() > 0 {
            if let Ok(bytes) = s.data() {
                let packed = miniz_oxide::deflate::compress_to_vec(bytes, 6);
                println!("{:24} {:>10} B, deflated {:>10} B", name, s.size(), packed.len());
            }
        } else {
            println!("{:24} {:>10} B", name, s.size());
        }
    }
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1));
    for (k, n) in kinds.iter().take(5) {
        println!("  .{k}*: {n} B");
    }
    let mut syms: Vec<(u64, String)> = file
        .symbols()
        .filter(|s| s.size() > 0)
        .map(|s| (s.size(), format!("{:#}", rustc_demangle::demangle(s.name().unwrap_or("?")))))
        .collect();
    syms.sort_by(|a, b| b.0.cmp(&a.0));
    for (n, name) in syms.iter().take(o.top) {
        println!("{n:>10} {name}");
    }
    let panics = memchr::memmem::find_iter(data, b"panicked").count();
    println!("{} symbols, {} mentions of a panic", syms.len(), panics);
    Ok(())
}

fn main() -> ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("elfsize: {e}");
            return ExitCode::from(2);
        }
    };
    match fs::read(&o.path).map_err(|e| format!("{}: {e}", o.path)).and_then(|d| report(&o, &d)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("elfsize: {e}");
            ExitCode::FAILURE
        }
    }
}
