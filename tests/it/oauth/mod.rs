//! OAuth 2 as Mastodon clients use it: registering apps, the authorization code flow
//! with PKCE through the server-rendered sign-in and consent pages, the password and
//! client-credentials grants, revocation, server metadata, and scope enforcement.

mod apps;
mod authorization_code;
mod browser;
mod grants;
mod scopes;

use reqwest::Method;

use crate::support::{TestApp, User, form_input};

/// RFC 7636, appendix B.
pub(super) const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub(super) const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub(super) const CALLBACK: &str = "https://client.example/callback";
pub(super) const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

pub(super) fn query(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The `name=value` of the session cookie set by a response.
pub(super) fn session_cookie(reply: &crate::support::Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("_starling_session="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie in {:?}", reply.headers))
        .to_string()
}

/// Registers an app with `redirect` and returns `(client_id, client_secret)`.
pub(super) async fn app_with_redirect(
    app: &TestApp,
    redirect: &str,
    scopes: &str,
) -> (String, String) {
    let created = app
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "Flow Client"),
                ("redirect_uris", redirect),
                ("scopes", scopes),
                ("website", "https://client.example"),
            ],
        )
        .await
        .expect(200);
    (
        created["client_id"].as_str().unwrap().to_string(),
        created["client_secret"].as_str().unwrap().to_string(),
    )
}

/// Signs `user` in through the sign-in form that `/oauth/authorize` shows, approves
/// the consent page, and returns the final response of `POST /oauth/authorize`.
pub(super) async fn authorize_in_browser(
    app: &TestApp,
    user: &User,
    authorize_query: &str,
    decision: &str,
) -> crate::support::Reply {
    let path = format!("/oauth/authorize?{authorize_query}");
    let sign_in = app.get(&path, None).await;
    assert_eq!(sign_in.status.as_u16(), 200, "{}", sign_in.text);
    assert!(
        sign_in.text.contains("action=\"/auth/sign_in\""),
        "{}",
        sign_in.text
    );
    let return_to = form_input(&sign_in.text, "return_to").expect("return_to input");
    assert!(return_to.starts_with("/oauth/authorize?"), "{return_to}");

    let signed_in = app
        .sign_in_form(&[
            ("email", &user.email),
            ("password", &user.password),
            ("return_to", &return_to),
        ])
        .await;
    assert!(
        signed_in.status.is_redirection(),
        "sign-in: {} {}",
        signed_in.status,
        signed_in.text
    );
    assert_eq!(signed_in.header("location"), Some(return_to.as_str()));
    let cookie = session_cookie(&signed_in);
    let set_cookie = signed_in.header("set-cookie").unwrap().to_ascii_lowercase();
    assert!(set_cookie.contains("httponly"), "{set_cookie}");

    let consent = app
        .send(
            app.request(Method::GET, &return_to, None)
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(consent.status.as_u16(), 200, "{}", consent.text);
    assert!(consent.text.contains("Flow Client"), "{}", consent.text);
    assert!(
        consent.text.contains(&format!("@{}@", user.username)),
        "{}",
        consent.text
    );
    let mut form: Vec<(String, String)> = Vec::new();
    for name in [
        "csrf_token",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ] {
        let value = form_input(&consent.text, name).unwrap_or_else(|| panic!("no {name} input"));
        form.push((name.to_string(), value));
    }
    form.push(("decision".into(), decision.into()));
    app.send(
        app.request(Method::POST, "/oauth/authorize", None)
            .header("cookie", &cookie)
            .form(&form),
    )
    .await
}

pub(super) fn code_from_redirect(reply: &crate::support::Reply) -> (String, url::Url) {
    assert!(
        reply.status.is_redirection(),
        "{} {}",
        reply.status,
        reply.text
    );
    let location = url::Url::parse(reply.header("location").unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {location}"));
    (code, location)
}
