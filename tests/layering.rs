//! The crate's module layering (docs/layout.md): the I/O-free core at the bottom, then `engine` (the
//! flows over the `Platform` trait), then `platform` (the browser's implementation), then `js` (the
//! wasm-bindgen facade), then the crate root. Every module of `src/` uses only modules below it, so the
//! modules form no cycle: the core never names `engine`, `platform` or `js`; `engine` never `platform` or
//! `js`; `platform` never `js`. Reads the sources and follows every `crate::<module>` path (in `use`
//! items, brace groups included, and in expressions), every `super::<module>` path of a top-level module,
//! and the crate root's own `<module>::` paths. Test code (`#[cfg(test)] mod … { … }` blocks, the
//! `tests`, `proptests` and `testing` modules) is left out: tests may reach across layers.
#![cfg(not(target_arch = "wasm32"))]

#[path = "support/rust_paths.rs"]
mod rust_paths;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_paths::references;

/// Bottom-up. Modules in the same inner list may not use each other.
const LAYERS: &[&[&str]] = &[
    &["secret", "contract"],
    &["error"],
    &["base64url", "json", "bigint"],
    &["http", "pkce", "event"],
    &["sigv4", "passkey"],
    &["srp"],
    &["options"],
    &["config"],
    &["awsjson"],
    &["jwt"],
    &["oauth"],
    &["session", "signin"],
    &["identity", "account"],
    &["signup"],
    &["view"],
    &["engine"],
    &["platform"],
    &["js"],
    &["lib"],
];

/// Items of the crate root that other modules name as `crate::<item>`: the module each comes from.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Error", "error"),
    ("ErrorKind", "error"),
    ("Result", "error"),
    ("CognitoAuth", "platform"),
    ("JwtVerifier", "platform"),
];

/// Modules that exist only for tests (`#[cfg(test)]` in their parent).
const TEST_MODULES: &[&str] = &["testing", "tests", "proptests", "fuzz"];

fn level(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// `text` without its inline test module: from a `#[cfg(test)]` line followed by `mod <name> {` to the
/// end of the file (every such block in `src/` is the file's last item; asserted by the caller).
fn without_tests(text: &str) -> &str {
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]" {
            let next = lines[i + 1..]
                .iter()
                .find(|l| !l.trim_start().starts_with("#["))
                .map_or("", |l| l.trim());
            if next.starts_with("mod ") && next.ends_with('{') {
                return &text[..offset];
            }
        }
        offset += line.len();
    }
    text
}

/// The module a file of `src/` belongs to: `src/x.rs` and `src/x/…` to `x`; `None` for test modules.
fn module_of(relative: &Path) -> Option<String> {
    let parts: Vec<&str> = relative
        .iter()
        .map(|p| p.to_str().expect("UTF-8 path"))
        .collect();
    let stem = |p: &str| p.strip_suffix(".rs").unwrap_or(p).to_string();
    if parts
        .iter()
        .any(|p| TEST_MODULES.contains(&stem(p).as_str()))
    {
        return None;
    }
    Some(stem(parts[0]))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some("rs") {
            out.push(path);
        }
    }
}

/// Module → (used module → first file:line that uses it).
fn graph(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for path in files {
        let relative = path.strip_prefix(src).expect("under src/");
        let Some(module) = module_of(relative) else {
            continue;
        };
        let full = std::fs::read_to_string(&path).expect("readable source");
        let text = without_tests(&full);
        let rest = &full[text.len()..];
        assert!(
            rest.is_empty() || rest.trim_end().ends_with('}'),
            "src/{}: the test module is the file's last item",
            relative.display()
        );
        let at = |line: usize| format!("src/{}:{line}", relative.display());
        let uses = graph.entry(module.clone()).or_default();
        let mut add = |target: String, line: usize| {
            if target != module {
                uses.entry(target).or_insert_with(|| at(line));
            }
        };
        for (head, line) in references(text, "crate") {
            let target = match ROOT_ITEMS.iter().find(|(item, _)| *item == head) {
                Some((_, from)) => from.to_string(),
                None if level(&head).is_some() && head != "lib" => head,
                None => "lib".to_string(),
            };
            add(target, line);
        }
        // In a top-level module `super` is the crate root; in `src/x/…` it is `x` itself.
        if relative.components().count() == 1 {
            for (head, line) in references(text, "super") {
                if level(&head).is_some() {
                    add(head, line);
                }
            }
        }
        // The crate root names its modules without `crate::` (`pub use platform::CognitoAuth`).
        if module == "lib" {
            for m in LAYERS.iter().flat_map(|l| l.iter()) {
                for (_, line) in references(text, m) {
                    add(m.to_string(), line);
                }
            }
        }
    }
    graph
}

#[test]
fn modules_use_only_modules_below_them() {
    let sample = "use crate::{\n    json::Value,\n    Error,\n};\n#[cfg(test)]\nmod tests {\n    use crate::js::x;\n}\n";
    assert_eq!(
        without_tests(sample),
        "use crate::{\n    json::Value,\n    Error,\n};\n"
    );
    assert_eq!(
        module_of(Path::new("engine/memory.rs")).as_deref(),
        Some("engine")
    );
    assert_eq!(module_of(Path::new("json/tests.rs")), None);

    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph(&src);
    let modules: BTreeSet<&str> = graph.keys().map(String::as_str).collect();
    let listed: BTreeSet<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    assert_eq!(
        modules, listed,
        "every module of src/ (but the test modules) has a place in LAYERS, and every entry a module"
    );

    println!("module graph, bottom-up (module -> modules it uses):");
    let mut upward = Vec::new();
    for module in LAYERS.iter().flat_map(|l| l.iter()) {
        let uses = &graph[*module];
        let names: Vec<&str> = uses.keys().map(String::as_str).collect();
        println!(
            "  {module:<10} -> {}",
            if names.is_empty() {
                "(none)".to_string()
            } else {
                names.join(", ")
            }
        );
        let mine = level(module).expect("listed");
        for (used, at) in uses {
            if level(used).expect("listed") >= mine {
                upward.push(format!("{at} ({module}) uses {used}"));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "modules may use only modules below them in LAYERS (bottom-up):\n  {}",
        upward.join("\n  ")
    );
}

/// A cycle in `graph`, as the path that closes it, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_engines_files_form_no_cycle() {
    let sample: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .iter()
        .map(|(k, v)| (k.to_string(), BTreeSet::from([v.to_string()])))
        .collect();
    assert_eq!(cycle(&sample).map(|c| c.len()), Some(4));

    // Each file of src/engine/ (but mod.rs, the parent, and the tests) → the siblings it names.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let stems: BTreeSet<String> = files
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(str::to_owned))
        .filter(|s| s != "mod" && s != "tests")
        .collect();
    let mut graph = BTreeMap::new();
    for stem in &stems {
        let full = std::fs::read_to_string(dir.join(format!("{stem}.rs"))).expect("readable");
        let uses: BTreeSet<String> = references(without_tests(&full), "super")
            .into_iter()
            .map(|(head, _)| head)
            .filter(|head| stems.contains(head) && head != stem)
            .collect();
        println!("  engine::{stem:<12} -> {uses:?}");
        graph.insert(stem.clone(), uses);
    }
    assert!(graph.len() >= 10, "read the engine's files: {graph:?}");
    assert_eq!(
        cycle(&graph),
        None,
        "the files of src/engine/ use each other in a circle"
    );
}
