//! The HTML the vendor sees: the consent page, the page shown while Digistore24 has not yet
//! confirmed a key, and the page for a connection that cannot continue.
//!
//! Rendered on the server with `maud`, which escapes every inserted value (client names and
//! URIs come from clients and must never become markup). No scripts, no external assets, one
//! inline style sheet; forms work without JavaScript. English or German by `Accept-Language`.

mod text;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::digistore::KeyProblem;
use super::tokens::Access;
use super::web::Lang;
pub(crate) use text::text;

const STYLE: &str = "
:root{color-scheme:light dark;--fg:#1d2230;--muted:#5b6275;--line:#d6dae3;--bg:#f5f6f9;--card:#fff;--accent:#0b6bcb;--warn:#9a3b00}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaf0;--muted:#a5acbd;--line:#3a4152;--bg:#161a22;--card:#1f2430;--accent:#5aa9ff;--warn:#ffb27a}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:40rem;margin:2rem auto;padding:0 1rem}h1{font-size:1.45rem;line-height:1.3;margin:0 0 1rem}h2{font-size:1.1rem;margin:0 0 .4rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:1rem 1.2rem;margin:1rem 0}
.facts p{margin:.3rem 0}.muted{color:var(--muted);font-size:.93rem}.error{border-color:var(--warn);color:var(--warn);font-weight:600}
fieldset{border:0;padding:0;margin:.6rem 0}legend{font-weight:600;margin-bottom:.3rem}label.choice{display:block;padding:.35rem 0}
label.choice span{display:block;margin-left:1.6rem;color:var(--muted);font-size:.9rem}
input[type=password]{width:100%;padding:.55rem;border:1px solid var(--line);border-radius:6px;font:inherit;background:var(--bg);color:var(--fg)}
button{font:inherit;padding:.55rem 1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;margin-top:.6rem}
button.secondary{background:transparent;color:var(--fg);border-color:var(--line)}.or{text-align:center;color:var(--muted);margin:.2rem 0}
a{color:var(--accent)}footer{max-width:40rem;margin:0 auto 2rem;padding:0 1rem;color:var(--muted);font-size:.85rem}
";

fn layout(lang: Lang, title: &str, body: Markup) -> String {
    let t = text(lang);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main { (body) }
                footer { (t.footer) }
            }
        }
    }
    .into_string()
}

/// What the consent page shows.
#[derive(Debug)]
pub(crate) struct Consent<'a> {
    pub lang: Lang,
    pub client_name: &'a str,
    /// The host of a metadata-document client id, which vouches for the client.
    pub verified_host: Option<&'a str>,
    pub redirect_host: &'a str,
    pub resource: &'a str,
    pub max_access: Access,
    pub selected: Access,
    pub can_connect: bool,
    /// The sealed pending authorization request.
    pub request: &'a str,
    pub action: &'a str,
    pub error: Option<String>,
}

/// The consent page.
pub(crate) fn consent(c: &Consent<'_>) -> String {
    let t = text(c.lang);
    let access = |form: &str| {
        html! {
            fieldset {
                legend { (t.access_legend) }
                @if c.max_access == Access::Read {
                    input type="hidden" name="access" value="read";
                    p.muted { (t.read_only_only) }
                    label.choice { input type="radio" checked disabled; " " strong { (t.read_label) } span { (t.read_help) } }
                } @else {
                    label.choice for=(format!("{form}-read")) {
                        input type="radio" id=(format!("{form}-read")) name="access" value="read" checked[c.selected == Access::Read];
                        " " strong { (t.read_label) } span { (t.read_help) }
                    }
                    label.choice for=(format!("{form}-full")) {
                        input type="radio" id=(format!("{form}-full")) name="access" value="full" checked[c.selected == Access::Full];
                        " " strong { (t.full_label) } span { (t.full_help) }
                    }
                }
            }
        }
    };
    let body = html! {
        h1 { (t.heading.0) (c.client_name) (t.heading.1) }
        div.card.facts {
            @match c.verified_host {
                Some(host) => p { (t.client_verified.0) strong { (host) } (t.client_verified.1) },
                None => p { (t.client_unverified.0) strong { (c.client_name) } (t.client_unverified.1) },
            }
            p { (t.returns_to.0) strong { (c.redirect_host) } (t.returns_to.1) }
            p.muted { (t.resource.0) (c.resource) (t.resource.1) }
        }
        @if let Some(error) = &c.error {
            div.card.error role="alert" { (error) }
        }
        @if c.can_connect {
            form.card method="post" action=(c.action) {
                h2 { (t.connect_heading) }
                p.muted { (t.connect_help) }
                input type="hidden" name="request" value=(c.request);
                (access("connect"))
                button type="submit" name="action" value="connect" { (t.connect_button) }
            }
            p.or { (t.or) }
        }
        form.card method="post" action=(c.action) {
            h2 { (t.paste_heading) }
            p.muted { (t.paste_help) }
            input type="hidden" name="request" value=(c.request);
            label for="api_key" { strong { (t.key_label) } }
            input type="password" id="api_key" name="api_key" autocomplete="off" spellcheck="false" required;
            (access("paste"))
            button type="submit" name="action" value="paste" { (t.paste_button) }
        }
        form method="post" action=(c.action) {
            input type="hidden" name="request" value=(c.request);
            button.secondary type="submit" name="action" value="deny" { (t.deny_button) }
        }
    };
    layout(c.lang, t.page_title, body)
}

/// The message for a pasted key Digistore24 did not accept.
pub(crate) fn key_problem(lang: Lang, problem: &KeyProblem) -> String {
    let t = text(lang);
    match problem {
        KeyProblem::Rejected => t.key_rejected.to_owned(),
        KeyProblem::Developer => t.key_developer.to_owned(),
        KeyProblem::ReadOnly => t.key_read_only.to_owned(),
        KeyProblem::Unavailable(detail) => format!("{}{detail}", t.key_unavailable),
    }
}

/// A connection that cannot continue: what happened, and what to do.
pub(crate) fn stopped(lang: Lang, message: &str) -> String {
    let t = text(lang);
    let body = html! {
        h1 { (t.error_heading) }
        div.card.error role="alert" { (message) }
        p { (t.start_again) }
    };
    layout(lang, t.page_title, body)
}

/// Digistore24 has not confirmed the key yet: check again, or cancel.
pub(crate) fn pending(lang: Lang, check_url: &str, cancel_url: &str) -> String {
    let t = text(lang);
    let body = html! {
        h1 { (t.pending_heading) }
        div.card { p { (t.pending_help) } }
        p {
            a href=(check_url) { (t.check_again) }
            " · "
            a href=(cancel_url) { (t.cancel) }
        }
    };
    layout(lang, t.page_title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lang: Lang, name: &str, max: Access, connect: bool) -> String {
        consent(&Consent {
            lang,
            client_name: name,
            verified_host: None,
            redirect_host: "claude.ai",
            resource: "https://mcp.example.com/mcp",
            max_access: max,
            selected: Access::Read,
            can_connect: connect,
            request: "sealed-state",
            action: "/oauth/authorize",
            error: Some("<b>bad</b>".into()),
        })
    }

    #[test]
    fn client_values_are_escaped() {
        let html = page(Lang::En, "<script>alert(1)</script>", Access::Full, true);
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<b>bad</b>"));
    }

    #[test]
    fn both_ways_and_languages() {
        let en = page(Lang::En, "Claude", Access::Full, true);
        assert!(en.contains("Continue to Digistore24") && en.contains("Paste an API key"));
        assert!(en.contains(r#"value="full""#) && en.contains("claude.ai"));
        assert!(en.contains(r#"<html lang="en">"#));
        let de = page(Lang::De, "Claude", Access::Full, false);
        assert!(de.contains("API-Schlüssel einfügen") && !de.contains("Weiter zu Digistore24"));
        let read = page(Lang::En, "Claude", Access::Read, false);
        assert!(!read.contains(r#"value="full""#));
    }
}
