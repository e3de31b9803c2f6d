//! The public contract's closed lists (error codes, event names), each written once.
//!
//! [`listed!`] declares an enum with one string per variant: the enum, the function that maps a variant to
//! its string and `ALL` come from one list. The tests below check the TypeScript unions in `js/types.rs`,
//! the README's error table and the JS apps' event lists against `ALL`, so a new code cannot be forgotten.

/// `listed! { <enum with `Variant => "text",` entries> fn <name>; }`: the enum, `const fn <name>(self)
/// -> &'static str` and `ALL` (every variant, in order).
macro_rules! listed {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)* }
        $(#[$fmeta:meta])*
        fn $text_of:ident;
    ) => {
        $(#[$meta])*
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            $(#[$fmeta])*
            pub const fn $text_of(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }
    };
}
pub(crate) use listed;

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;
    use crate::event::EventName;

    /// The quoted strings of the TypeScript union `export type <name> = | 'a' | 'b';`.
    fn ts_union<'a>(source: &'a str, name: &str) -> Vec<&'a str> {
        let start = source
            .find(&format!("export type {name} ="))
            .unwrap_or_else(|| panic!("no union {name}"));
        let body = &source[start..];
        let body = &body[..body.find(';').expect("the union ends with ;")];
        body.split('\'').skip(1).step_by(2).collect()
    }

    /// The quoted strings of the JS array `const <name> = [...]`.
    fn js_array<'a>(source: &'a str, name: &str) -> Vec<&'a str> {
        let start = source
            .find(&format!("const {name} = ["))
            .unwrap_or_else(|| panic!("no array {name}"));
        let body = &source[start..];
        let body = &body[..body.find(']').expect("the array ends with ]")];
        body.split('\'').skip(1).step_by(2).collect()
    }

    fn codes() -> Vec<&'static str> {
        ErrorKind::ALL.iter().map(|k| k.code()).collect()
    }

    fn events() -> Vec<&'static str> {
        EventName::ALL.iter().map(|e| e.as_str()).collect()
    }

    #[test]
    fn typescript_unions_are_the_rust_lists() {
        let types = include_str!("js/types.rs");
        assert_eq!(ts_union(types, "AuthErrorCode"), codes());
        assert_eq!(ts_union(types, "AuthEventName"), events());
    }

    #[test]
    fn every_error_code_is_documented() {
        let readme = include_str!("../pkg/README.md");
        let rows: Vec<&str> = readme
            .lines()
            .filter(|l| l.starts_with("| `ERR_"))
            .collect();
        for code in codes() {
            let cell = format!("`{code}`");
            assert!(
                rows.iter()
                    .any(|row| row.split('|').nth(1).is_some_and(|c| c.contains(&cell))),
                "pkg/README.md's error table has no row for {code}"
            );
        }
    }

    #[test]
    fn the_apps_listen_to_real_events() {
        // The e2e app records every event; the demo listens to some of them.
        let e2e = include_str!("../tests/e2e/app/app.js");
        assert_eq!(js_array(e2e, "EVENTS"), events());
        let demo = include_str!("../www/app.js");
        let listened = js_array(demo, "EVENTS");
        assert!(!listened.is_empty());
        for name in listened {
            assert!(
                EventName::parse(name).is_some(),
                "www/app.js listens to {name:?}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for e in EventName::ALL {
            assert_eq!(EventName::parse(e.as_str()), Some(*e));
        }
        assert_eq!(EventName::parse("signedin"), None);
        let mut seen = std::collections::HashSet::new();
        assert!(
            codes().into_iter().all(|c| seen.insert(c)),
            "codes are unique"
        );
    }
}
