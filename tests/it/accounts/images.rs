//! Avatar and header uploads: multipart, cropping, replaced files, and refused uploads.

use reqwest::Method;
use reqwest::multipart::{Form, Part};

use crate::support::{TestApp, png_image};

async fn upload_images(app: &TestApp, token: &str, form: Form) -> crate::support::Reply {
    app.send(
        app.request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(token),
        )
        .multipart(form),
    )
    .await
}

fn png_part(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str("image/png")
        .unwrap()
}

#[tokio::test]
async fn avatar_and_header_upload_as_multipart() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let before = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    let form = Form::new()
        .text("display_name", "Pictured")
        .part(
            "avatar",
            png_part(png_image(64, 48, [200, 30, 30]), "me.png"),
        )
        .part(
            "header",
            png_part(png_image(300, 100, [30, 30, 200]), "header.png"),
        );
    let me = upload_images(&app, &alice.token, form).await.expect(200);
    assert_eq!(me["display_name"], "Pictured");
    for key in ["avatar", "header"] {
        let url = me[key].as_str().unwrap();
        assert_ne!(url, before[key].as_str().unwrap(), "{key} unchanged");
        assert!(url.starts_with(&format!("{}/media/", app.base)), "{url}");
        assert_eq!(me[format!("{key}_static")], me[key]);
        // The stored file is served and is an image.
        let path = url.strip_prefix(&app.base).unwrap();
        let file = app.send(app.http.get(app.url(path))).await;
        assert_eq!(file.status.as_u16(), 200, "{url}");
        let ct = file.header("content-type").unwrap_or_default().to_string();
        assert!(ct.starts_with("image/"), "{url}: {ct}");
    }
    let avatar = app
        .http
        .get(
            app.url(
                me["avatar"]
                    .as_str()
                    .unwrap()
                    .strip_prefix(&app.base)
                    .unwrap(),
            ),
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(avatar.starts_with(b"\x89PNG"), "avatar is not a PNG");

    // The account entity everyone sees has the new images.
    let public = app
        .get(&format!("/api/v1/accounts/{}", alice.id), None)
        .await
        .expect(200);
    assert_eq!(public["avatar"], me["avatar"]);
    assert_eq!(public["header"], me["header"]);
}

#[tokio::test]
async fn non_image_and_too_large_uploads_are_422() {
    let app = TestApp::builder()
        .config(|c| c.limits.max_avatar_bytes = 64 * 1024)
        .start()
        .await;
    let alice = app.user("alice").await;
    let before = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);

    let not_image = Form::new().text("display_name", "Should not stick").part(
        "avatar",
        Part::bytes(b"this is plain text, not a picture".to_vec())
            .file_name("evil.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let err = upload_images(&app, &alice.token, not_image)
        .await
        .expect_error(422);
    assert!(err.starts_with("Validation failed: Avatar "), "{err}");

    // 200x200 RGB uncompressed is ~120 KB, over the 64 KB limit.
    let big = png_image(200, 200, [1, 2, 3]);
    assert!(big.len() > 64 * 1024);
    let err = upload_images(
        &app,
        &alice.token,
        Form::new().part("header", png_part(big, "big.png")),
    )
    .await
    .expect_error(422);
    assert!(
        err.starts_with("Validation failed: Header is too large"),
        "{err}"
    );

    let me = app
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .expect(200);
    assert_eq!(me["avatar"], before["avatar"]);
    assert_eq!(me["header"], before["header"]);
    assert_eq!(me["display_name"], "", "a failed update changes nothing");
}

/// Width and height from a PNG's IHDR.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

#[tokio::test]
async fn avatars_are_cropped_square_and_replaced_files_removed() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    let form = Form::new()
        .text("fields_attributes[0][name]", "Multipart")
        .text("fields_attributes[0][value]", "works")
        .text("locked", "true")
        .part("avatar", png_part(png_image(80, 40, [9, 9, 9]), "a.png"));
    let me = upload_images(&app, &alice.token, form).await.expect(200);
    assert_eq!(me["locked"], true);
    assert_eq!(me["fields"][0]["name"], "Multipart");
    let first = me["avatar"].as_str().unwrap().to_string();
    let path = first.strip_prefix(&app.base).unwrap().to_string();
    let bytes = app
        .http
        .get(app.url(&path))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(png_size(&bytes), (40, 40));

    // A big avatar is scaled down to 400x400.
    let me = upload_images(
        &app,
        &alice.token,
        Form::new().part("avatar", png_part(png_image(800, 600, [1, 1, 1]), "b.png")),
    )
    .await
    .expect(200);
    let second = me["avatar"].as_str().unwrap().to_string();
    assert_ne!(second, first);
    let bytes = app
        .http
        .get(app.url(second.strip_prefix(&app.base).unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(png_size(&bytes), (400, 400));
    // The first file is gone.
    let old = app.get(&path, None).await;
    assert_eq!(old.status.as_u16(), 404, "{path}");
}

#[tokio::test]
async fn an_avatar_over_the_default_limit_is_422_not_413() {
    let app = TestApp::start().await;
    let alice = app.user("alice").await;
    // ~2.4 MB, over the default 2 MB avatar limit and the 1 MB general body limit.
    let big = png_image(920, 920, [5, 6, 7]);
    assert!(big.len() > 2 * 1024 * 1024);
    let err = upload_images(
        &app,
        &alice.token,
        Form::new().part("avatar", png_part(big, "big.png")),
    )
    .await
    .expect_error(422);
    assert!(
        err.starts_with("Validation failed: Avatar is too large"),
        "{err}"
    );
}
