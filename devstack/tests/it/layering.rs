//! devstack's module layering (lib.rs's "Layout"): every module of `src/` uses only modules below it, so
//! the modules form no cycle. Reads the sources (a module's submodules in `src/<module>/` count as the
//! module) and follows every `crate::<module>` path (in `use` items, brace groups included, and in
//! expressions) and every `super::<module>` path.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::rust_paths::references;

/// Bottom-up. Modules in the same inner list (the APIs) may not use each other. `lib` is the crate root
/// (`lib.rs`); a path to one of its own items (`crate::Config`, `crate::start`) counts as a use of `lib`.
/// `main.rs` is the binary, a crate of its own on top of the library, and is not listed.
const LAYERS: &[&[&str]] = &[
    &["ids", "html"],
    &["knobs"],
    &["config"],
    &["keys", "srp"],
    &["passwords"],
    &["wire"],
    &["state"],
    &["triggers"],
    &["codes"],
    &["tokens"],
    &["users"],
    &["sign_up", "mfa"],
    &["sign_in"],
    &["sigv4"],
    &["iam"],
    &["federation", "passkeys"],
    &[
        "oauth",
        "user_pool",
        "my_account",
        "self_service",
        "identity_pool",
        "s3",
        "dynamodb",
        "local_idp",
    ],
    &["login_pages", "passkey_pages"],
    &["dispatch"],
    &["admin"],
    &["lib"],
];

fn level(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The sources of each module: `src/<module>.rs`, and for a module with submodules the files of
/// `src/<module>/` too (their uses count as the module's).
fn sources(src: &Path) -> BTreeMap<String, Vec<(String, String)>> {
    let mut sources: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let read = |path: &Path| {
        let file = path
            .strip_prefix(src)
            .expect("under src")
            .display()
            .to_string();
        (
            file,
            std::fs::read_to_string(path).expect("readable source"),
        )
    };
    for entry in std::fs::read_dir(src).expect("devstack/src") {
        let path = entry.expect("dir entry").path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.is_dir() {
            assert!(
                src.join(format!("{name}.rs")).is_file(),
                "{}: a directory of submodules beside its module's file",
                path.display()
            );
            for sub in std::fs::read_dir(&path).expect("submodule dir") {
                let sub = sub.expect("dir entry").path();
                assert!(
                    !sub.is_dir(),
                    "{}: the layering check knows one level of submodules",
                    sub.display()
                );
                if sub.extension().and_then(|e| e.to_str()) == Some("rs") {
                    sources
                        .entry(name.to_string())
                        .or_default()
                        .push(read(&sub));
                }
            }
            continue;
        }
        if path.extension().and_then(|e| e.to_str()) != Some("rs") || name == "main" {
            continue;
        }
        sources
            .entry(name.to_string())
            .or_default()
            .push(read(&path));
    }
    sources
}

/// Module → (used module → where it is first used: `<file>:<line>`).
fn graph(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut graph = BTreeMap::new();
    for (name, texts) in sources(src) {
        let mut uses = BTreeMap::new();
        for (file, text) in &texts {
            let at = |line: usize| format!("{file}:{line}");
            for (head, line) in references(text, "crate") {
                // `crate::self`, `crate::Config`, `crate::start`: items of the crate root.
                let target = if level(&head).is_some() && head != "lib" {
                    head
                } else {
                    "lib".to_string()
                };
                uses.entry(target).or_insert_with(|| at(line));
            }
            // In a top-level module `super` is the crate root; a `mod tests` inside one uses
            // `super::*`; in a submodule `super::<sibling>` is a part of the same module.
            for (head, line) in references(text, "super") {
                if level(&head).is_some() {
                    uses.entry(head).or_insert_with(|| at(line));
                }
            }
            // The crate root names its modules without `crate::` (`state::App`, `pub use knobs::Knobs`).
            if name == "lib" {
                for module in LAYERS.iter().flat_map(|l| l.iter()) {
                    for (_, line) in references(text, module) {
                        uses.entry(module.to_string()).or_insert_with(|| at(line));
                    }
                }
            }
        }
        uses.remove(&name);
        graph.insert(name, uses);
    }
    graph
}

#[test]
fn modules_use_only_modules_below_them() {
    // The reader itself: brace groups over several lines, nested groups, expression paths, comments.
    let sample = "use crate::{\n    state::Shared,\n    wire::{bad, ApiError},\n    Config,\n};\n\
                  // crate::admin in a comment\nlet x = crate::ids::unix_now();\nuse super::*;\n";
    let found: Vec<String> = references(sample, "crate")
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    assert_eq!(found, ["state", "wire", "Config", "ids"]);

    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    let files: BTreeSet<&str> = graph.keys().map(String::as_str).collect();
    let listed: BTreeSet<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    assert_eq!(
        files, listed,
        "every file of devstack/src (but main.rs) has a place in LAYERS, and every entry a file"
    );

    println!("devstack module graph, bottom-up (module -> modules it uses):");
    let mut upward = Vec::new();
    for module in LAYERS.iter().flat_map(|l| l.iter()) {
        let uses = &graph[*module];
        let names: Vec<&str> = uses.keys().map(String::as_str).collect();
        let names = if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        };
        println!("  {module:<13} -> {names}");
        let mine = level(module).expect("listed");
        for (used, at) in uses {
            if level(used).expect("listed") >= mine {
                upward.push(format!("src/{at} ({module}) uses {used}"));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "modules may use only modules below them in LAYERS (bottom-up, see lib.rs's Layout):\n  {}",
        upward.join("\n  ")
    );
}
