//! A small command-line tool for sizemat's demo: it counts words, lines and
//! bytes of its input and prints a histogram of word lengths, using enough
//! of std (formatting, collections, I/O, panics) for the size levers to
//! show.
use std::collections::BTreeMap;
use std::io::{self, Read};

fn main() {
    let mut input = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut input) {
        eprintln!("sizemat-demo: cannot read stdin: {e}");
        std::process::exit(1);
    }
    let mut lengths: BTreeMap<usize, usize> = BTreeMap::new();
    let mut words = 0usize;
    for word in input.split_whitespace() {
        *lengths.entry(word.chars().count()).or_default() += 1;
        words += 1;
    }
    println!("{} lines, {} words, {} bytes", input.lines().count(), words, input.len());
    let widest = lengths.values().copied().max().unwrap_or(0).max(1);
    for (len, count) in &lengths {
        let bar = "#".repeat(count * 40 / widest);
        println!("{len:>3} {count:>6} {bar}");
    }
}
