//! `starling config check`: a good configuration passes; unknown keys, wrong types, bad
//! URLs and domains, unreachable databases fail; environment overrides apply.

use std::time::{Duration, Instant};

use super::{ConfigFile, World, free_port, timed, toml_str};

#[tokio::test]
async fn config_check_accepts_a_good_config() {
    timed(async {
        let world = World::new().await;
        let out = world.run(&["config", "check"]).await.success();
        assert!(out.stderr.contains("Configuration OK"), "{out:?}");
        assert!(
            out.stderr
                .contains(&format!("http://127.0.0.1:{}", world.port)),
            "{out:?}"
        );
        assert!(
            out.stderr
                .contains(&world.config_path.display().to_string()),
            "{out:?}"
        );
    })
    .await;
}

/// Writes `config` and asserts that `config check` fails naming the file and `key`.
async fn assert_check_fails(world: &World, config: &ConfigFile, key: &str) -> String {
    world.write_config(config);
    let stderr = world.run(&["config", "check"]).await.failure();
    assert!(
        stderr.contains(&world.config_path.display().to_string()),
        "stderr does not name the file:\n{stderr}"
    );
    assert!(
        stderr.contains(&format!("`{key}`")),
        "stderr does not name `{key}`:\n{stderr}"
    );
    stderr
}

#[tokio::test]
async fn config_check_rejects_an_unknown_key() {
    timed(async {
        let world = World::new().await;
        let config = world.config().set("server", "listn", "\"127.0.0.1:1\"");
        let stderr = assert_check_fails(&world, &config, "server.listn").await;
        assert!(stderr.contains("config.example.toml"), "{stderr}");
        // Every command checks the configuration first.
        let stderr = world.run(&["migrate"]).await.failure();
        assert!(stderr.contains("server.listn"), "{stderr}");
    })
    .await;
}

#[tokio::test]
async fn config_check_rejects_a_value_of_the_wrong_type() {
    timed(async {
        let world = World::new().await;
        let config = world.config().set("limits", "max_post_chars", "\"many\"");
        assert_check_fails(&world, &config, "limits.max_post_chars").await;
    })
    .await;
}

#[tokio::test]
async fn config_check_rejects_a_bad_database_url() {
    timed(async {
        let world = World::new().await;
        let config = world.config().set("database", "url", "\"mysql://x\"");
        let stderr = assert_check_fails(&world, &config, "database.url").await;
        assert!(stderr.contains("mysql"), "{stderr}");
    })
    .await;
}

#[tokio::test]
async fn config_check_rejects_a_bad_domain() {
    timed(async {
        let world = World::new().await;
        let config = world
            .config()
            .set("instance", "domain", "\"https://social.example/\"");
        assert_check_fails(&world, &config, "instance.domain").await;
        let config = world.config().set("instance", "domain", "\"\"");
        assert_check_fails(&world, &config, "instance.domain").await;
    })
    .await;
}

#[tokio::test]
async fn config_check_rejects_an_unreachable_database() {
    timed(async {
        let world = World::new().await;
        let closed = free_port();
        let config = world.config().set(
            "database",
            "url",
            &toml_str(&format!("postgres://postgres@127.0.0.1:{closed}/starling")),
        );
        let started = Instant::now();
        let stderr = assert_check_fails(&world, &config, "database.url").await;
        assert!(stderr.contains("PostgreSQL"), "{stderr}");
        // The cause is named, and found without waiting out the pool's timeout.
        assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "took {:?}",
            started.elapsed()
        );
    })
    .await;
}

#[tokio::test]
async fn config_check_honours_environment_overrides() {
    timed(async {
        let world = World::new().await;
        let out = world
            .run_with(
                &["config", "check"],
                &[("STARLING_INSTANCE__DOMAIN", "override.example")],
            )
            .await
            .success();
        assert!(out.stderr.contains("https://override.example"), "{out:?}");
        // A bad value from the environment names the variable, not the file.
        let stderr = world
            .run_with(
                &["config", "check"],
                &[("STARLING_INSTANCE__DOMAIN", "https://override.example/")],
            )
            .await
            .failure();
        assert!(stderr.contains("instance.domain"), "{stderr}");
        assert!(stderr.contains("STARLING_INSTANCE__DOMAIN"), "{stderr}");
        // An unknown key from the environment is refused too.
        let stderr = world
            .run_with(
                &["config", "check"],
                &[("STARLING_INSTANCE__DOMIAN", "x.example")],
            )
            .await
            .failure();
        assert!(stderr.contains("instance.domian"), "{stderr}");
    })
    .await;
}
