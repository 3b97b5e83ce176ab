//! The pieces a report is made of ([`Block`]) and their two renderings, Markdown and a
//! self-contained HTML page, so that the two documents never disagree.

use std::fmt::Write as _;

/// A piece of a report.
#[derive(Clone, Debug)]
pub enum Block {
    /// A heading of a level (1 = the title) and its text.
    Heading(u8, String),
    /// A paragraph; `code` and **bold** are rendered in HTML too.
    Para(String),
    /// A table: its header and its rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A plot: its file under `plots/`, its caption and its SVG.
    Plot {
        /// File name under `plots/`.
        file: String,
        /// Caption.
        title: String,
        /// The SVG document.
        svg: String,
    },
}

/// A table header from its column names.
pub fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_string()).collect()
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The blocks as Markdown; plots link to `plots/<file>`.
pub fn to_markdown(blocks: &[Block]) -> String {
    let mut s = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(s, "{} {t}\n", "#".repeat(*level as usize));
            }
            Block::Para(t) => {
                let _ = writeln!(s, "{t}\n");
            }
            Block::Table(head, rows) => {
                let _ = writeln!(
                    s,
                    "| {} |",
                    head.iter()
                        .map(|h| md_cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                let _ = writeln!(s, "|{}", "---|".repeat(head.len()));
                for r in rows {
                    let _ = writeln!(
                        s,
                        "| {} |",
                        r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
                    );
                }
                s.push('\n');
            }
            Block::Plot { file, title, .. } => {
                let _ = writeln!(s, "![{title}](plots/{file})\n");
            }
        }
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Inline Markdown of our own paragraphs: `code` and **bold** only.
fn inline_html(s: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    let mut bold = false;
    let mut rest = esc(s);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("**") {
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
            rest = r.to_string();
        } else if let Some(r) = rest.strip_prefix('`') {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
            rest = r.to_string();
        } else {
            let c = rest.chars().next().expect("non-empty");
            out.push(c);
            rest = rest[c.len_utf8()..].to_string();
        }
    }
    out
}

/// The blocks as one self-contained HTML page titled `title`, the plots' SVG inlined.
pub fn to_html(title: &str, blocks: &[Block]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>\nbody{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}\n\
         table{{border-collapse:collapse;margin:1em 0;font-size:13px}}\n\
         th,td{{border:1px solid #ccc;padding:3px 8px;text-align:right}}\n\
         th{{background:#f0f0f0}} td:first-child,th:first-child{{text-align:left}}\n\
         figure{{margin:1.5em 0}} figcaption{{font-weight:bold;margin-bottom:.3em}}\n\
         code{{background:#f4f4f4;padding:0 3px}}\n</style>\n</head>\n<body>\n",
        esc(title)
    );
    for b in blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(s, "<h{level}>{}</h{level}>", inline_html(t));
            }
            Block::Para(t) => {
                let _ = writeln!(s, "<p>{}</p>", inline_html(t));
            }
            Block::Table(head, rows) => {
                s.push_str("<table>\n<tr>");
                for h in head {
                    let _ = write!(s, "<th>{}</th>", esc(h));
                }
                s.push_str("</tr>\n");
                for r in rows {
                    s.push_str("<tr>");
                    for c in r {
                        let _ = write!(s, "<td>{}</td>", esc(c));
                    }
                    s.push_str("</tr>\n");
                }
                s.push_str("</table>\n");
            }
            Block::Plot { file, title, svg } => {
                let body = svg
                    .find("<svg")
                    .map_or(svg.as_str(), |i| &svg[i..])
                    .to_string();
                let _ = writeln!(
                    s,
                    "<figure id=\"{}\">\n<figcaption>{}</figcaption>\n{}\n</figure>",
                    esc(file.trim_end_matches(".svg")),
                    inline_html(title),
                    body
                );
            }
        }
    }
    s.push_str("</body>\n</html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_html_render_the_same_blocks() {
        let blocks = vec![
            Block::Heading(2, "A <b> & c".into()),
            Block::Para("rare `income` = **x**".into()),
            Block::Table(vec!["a|b".into()], vec![vec!["1<2".into()]]),
            Block::Plot {
                file: "p.svg".into(),
                title: "t".into(),
                svg: "<?xml version=\"1.0\"?><svg></svg>".into(),
            },
        ];
        let md = to_markdown(&blocks);
        assert!(md.contains("## A <b> & c"));
        assert!(md.contains("| a\\|b |"));
        assert!(md.contains("![t](plots/p.svg)"));
        let html = to_html("x", &blocks);
        assert!(html.contains("<h2>A &lt;b&gt; &amp; c</h2>"));
        assert!(html.contains("<code>income</code> = <strong>x</strong>"));
        assert!(html.contains("<td>1&lt;2</td>"));
        assert!(html.contains("<svg></svg>") && !html.contains("<?xml"));
    }
}
