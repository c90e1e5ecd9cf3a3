//! `starling migrate`, `starling account …` against a served instance, and
//! `starling domain …` block lists exported and imported as Mastodon CSV.

use super::{World, timed};

#[tokio::test]
async fn migrate_applies_migrations_then_reports_up_to_date() {
    timed(async {
        let world = World::new().await;
        let check = world.run(&["config", "check"]).await.success();
        assert!(
            check.stderr.contains("pending"),
            "fresh database has pending migrations: {check:?}"
        );
        let first = world.run(&["migrate"]).await.success();
        assert!(first.stderr.contains("applying "), "{first:?}");
        assert!(first.stderr.contains("Applied "), "{first:?}");
        let second = world.run(&["migrate"]).await.success();
        assert!(
            second.stderr.contains("up to date"),
            "second run: {second:?}"
        );
        assert!(!second.stderr.contains("applying"), "{second:?}");
        let check = world.run(&["config", "check"]).await.success();
        assert!(!check.stderr.contains("pending"), "{check:?}");
    })
    .await;
}

#[tokio::test]
async fn account_commands_manage_logins_of_a_served_instance() {
    timed(async {
        let world = World::new().await;
        let email = "alice@example.com";
        let out = world
            .run(&[
                "account",
                "create",
                "--username",
                "alice",
                "--email",
                email,
                "--admin",
            ])
            .await
            .success();
        let password = out.stdout.trim().to_string();
        assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
        assert!(password.len() >= 16, "{out:?}");
        assert!(
            !out.stderr.contains(&password),
            "password printed twice: {out:?}"
        );
        assert!(
            out.stderr
                .contains(&format!("@alice@127.0.0.1:{}", world.port)),
            "{out:?}"
        );
        assert!(out.stderr.contains("admin"), "{out:?}");

        let server = world.serve().await;
        let token = server.login_ok(email, &password).await;
        let (status, me) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["username"], "alice");
        assert!(server.login(email, "wrong password").await.is_err());

        // list
        let list = world.run(&["account", "list"]).await.success();
        let line = list
            .stdout
            .lines()
            .find(|l| l.starts_with("alice "))
            .unwrap_or_else(|| panic!("alice not listed: {list:?}"));
        assert!(line.contains("admin") && line.contains("active"), "{line}");
        assert!(line.contains(email), "{line}");

        // suspend: login refused, the existing token stops working
        world.run(&["account", "suspend", "alice"]).await.success();
        let (status, body) = server.login(email, &password).await.unwrap_err();
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("disabled"), "{body}");
        let (status, _) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert!(
            status == 401 || status == 403,
            "suspended token gave {status}"
        );
        let list = world.run(&["account", "list"]).await.success();
        assert!(
            list.stdout
                .lines()
                .any(|l| l.starts_with("alice ") && l.contains("suspended")),
            "{list:?}"
        );

        // unsuspend: login works again
        world
            .run(&["account", "unsuspend", "alice"])
            .await
            .success();
        let token = server.login_ok(email, &password).await;

        // reset-password: old password refused, new works, sessions signed out
        let reset = world
            .run(&["account", "reset-password", "alice"])
            .await
            .success();
        let new_password = reset.stdout.trim().to_string();
        assert_eq!(reset.stdout.lines().count(), 1, "{reset:?}");
        assert!(
            new_password.len() >= 16 && new_password != password,
            "{reset:?}"
        );
        assert!(server.login(email, &password).await.is_err());
        let (status, _) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 401, "token survived a password reset");
        let token = server.login_ok(email, &new_password).await;

        // errors: duplicate username, unknown user
        let stderr = world
            .run(&[
                "account",
                "create",
                "--username",
                "Alice",
                "--email",
                "other@example.com",
            ])
            .await
            .failure();
        assert!(
            stderr.contains("Username has already been taken"),
            "{stderr}"
        );
        let stderr = world
            .run(&[
                "account",
                "create",
                "--username",
                "alice2",
                "--email",
                email,
            ])
            .await
            .failure();
        assert!(stderr.contains("Email has already been taken"), "{stderr}");
        for cmd in ["suspend", "unsuspend", "reset-password", "delete"] {
            let stderr = world.run(&["account", cmd, "nobody"]).await.failure();
            assert!(
                stderr.contains("no local account named \"nobody\""),
                "{cmd}: {stderr}"
            );
        }

        // delete: asks for --yes, then removes the login; the name stays reserved
        let stderr = world.run(&["account", "delete", "alice"]).await.failure();
        assert!(stderr.contains("--yes"), "{stderr}");
        server.login_ok(email, &new_password).await;
        world
            .run(&["account", "delete", "alice", "--yes"])
            .await
            .success();
        assert!(server.login(email, &new_password).await.is_err());
        let (status, _) = server
            .get("/api/v1/accounts/verify_credentials", &token)
            .await;
        assert_eq!(status, 401, "token survived deletion");
        let list = world.run(&["account", "list"]).await.success();
        assert!(
            !list.stdout.lines().any(|l| l.starts_with("alice ")),
            "{list:?}"
        );
        let stderr = world
            .run(&[
                "account",
                "create",
                "--username",
                "alice",
                "--email",
                "new-alice@example.com",
            ])
            .await
            .failure();
        assert!(
            stderr.contains("Username has already been taken"),
            "{stderr}"
        );

        server.terminate().await;
    })
    .await;
}

#[tokio::test]
async fn domain_commands_block_list_export_and_import_mastodon_csv() {
    timed(async {
        let world = World::new().await;
        let header = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";
        world
            .run(&[
                "domain",
                "block",
                "Evil.Example",
                "--severity",
                "silence",
                "--reject-media",
                "--public-comment",
                "spam, lots",
            ])
            .await
            .success();
        let list = world.run(&["domain", "list"]).await.success();
        let line = list
            .stdout
            .lines()
            .find(|l| l.starts_with("evil.example "))
            .unwrap_or_else(|| panic!("not listed: {list:?}"));
        assert!(line.contains("silence") && line.contains("spam, lots"), "{line}");

        let err = world
            .run(&["domain", "block", "https://bad.example/users/a"])
            .await
            .failure();
        assert!(err.contains("not a domain"), "{err}");
        let err = world
            .run(&["domain", "block", "bad.example", "--severity", "obliterate"])
            .await
            .failure();
        assert!(err.contains("unknown severity"), "{err}");

        let export = world.run(&["domain", "export"]).await.success();
        assert_eq!(
            export.stdout,
            format!("{header}\nevil.example,silence,true,false,\"spam, lots\",false\n")
        );

        // A file that changes one block and adds one: the dry run changes nothing.
        let file = world.dir.path().join("blocks.csv");
        std::fs::write(
            &file,
            format!(
                "{header}\nevil.example,suspend,true,false,\"spam, lots\",false\nnew.example,noop,false,true,,false\n"
            ),
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let dry = world
            .run(&["domain", "import", path, "--dry-run"])
            .await
            .success();
        assert!(dry.stdout.contains("+ new.example noop"), "{dry:?}");
        assert!(dry.stdout.contains("~ evil.example silence -> suspend"), "{dry:?}");
        assert!(
            dry.stdout.contains("Dry run: 1 new, 1 changed, 0 unchanged"),
            "{dry:?}"
        );
        let unchanged = world.run(&["domain", "export"]).await.success();
        assert_eq!(unchanged.stdout, export.stdout, "a dry run changes nothing");

        let done = world.run(&["domain", "import", path]).await.success();
        assert!(done.stdout.contains("Imported: 1 new, 1 changed"), "{done:?}");
        let export = world.run(&["domain", "export"]).await.success();
        assert_eq!(
            export.stdout,
            format!(
                "{header}\nevil.example,suspend,true,false,\"spam, lots\",false\nnew.example,noop,false,true,,false\n"
            )
        );

        // One bad line: nothing of the file is imported.
        std::fs::write(
            &file,
            format!("{header}\nthird.example,suspend,,,,\nfourth.example,obliterate,,,,\n"),
        )
        .unwrap();
        let err = world.run(&["domain", "import", path]).await.failure();
        assert!(err.contains("line 3"), "{err}");
        let after = world.run(&["domain", "export"]).await.success();
        assert_eq!(after.stdout, export.stdout, "nothing half-imported");

        // The export reads back as it is.
        std::fs::write(&file, &export.stdout).unwrap();
        let again = world.run(&["domain", "import", path]).await.success();
        assert!(
            again.stdout.contains("0 new, 0 changed, 2 unchanged"),
            "{again:?}"
        );

        world
            .run(&["domain", "unblock", "new.example"])
            .await
            .success();
        let list = world.run(&["domain", "list", "--json"]).await.success();
        let doc: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
        let domains: Vec<&str> = doc["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["domain"].as_str().unwrap())
            .collect();
        assert_eq!(domains, ["evil.example"]);
        assert_eq!(doc["mode"], "blocklist");
        let err = world
            .run(&["domain", "unblock", "new.example"])
            .await
            .failure();
        assert!(err.contains("not blocked"), "{err}");
    })
    .await;
}
