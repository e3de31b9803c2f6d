//! The HTML of devstack's pages, in one place: escaping, and the document shell every page (managed
//! login, the local identity providers, error pages) is built in.

/// `s` escaped for HTML text and attribute values (`& < > " '`).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A whole page: `title` (escaped here), the page's own `style` sheet, and `main` (HTML, escaped by the
/// caller) in a `<main>` element.
pub fn document(title: &str, style: &str, main: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang=en>
<head>
<meta charset=utf-8>
<meta name=viewport content="width=device-width, initial-scale=1">
<title>{}</title>
<style>
{style}
</style>
</head>
<body>
<main>
{main}</main>
</body>
</html>
"#,
        esc(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes_and_builds_one_shell() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let page = document("A <b>", "p{}", "<p>hi</p>\n");
        assert!(page.starts_with("<!doctype html>"));
        assert!(page.contains("<title>A &lt;b&gt;</title>"));
        assert!(page.contains("<main>\n<p>hi</p>\n</main>"));
    }
}
