//! Publish is one atomic step per function: hammer one function from many tasks.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_publishes_give_exactly_the_cap() {
    let mut config = base_config();
    config.behavior.reject_unchanged_publish = false;
    let app = std::sync::Arc::new(TestApp::spawn_with(config).await);
    app.create_function("hello", "x", 200).await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.call(
                    "POST",
                    &TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest"))),
                    Some(json!({"version": format!("v{i}")})),
                )
                .await
            })
        })
        .collect();
    let mut ok = Vec::new();
    let mut capped = 0;
    for t in tasks {
        let a = t.await.expect("task");
        match a.status {
            200 => ok.push(a.body["version"].as_str().unwrap().to_owned()),
            403 => {
                a.assert_error(403, "FSS.1042");
                capped += 1;
            }
            other => panic!("unexpected {other}: {}", a.text),
        }
    }
    assert_eq!(ok.len(), 10, "exactly max_versions succeed");
    assert_eq!(capped, 90);
    let unique: HashSet<_> = ok.iter().collect();
    assert_eq!(unique.len(), 10, "no duplicate names");
    // The store agrees with what was acknowledged.
    let functions = app.emulator.state().service().store().all_functions();
    let stored: HashSet<String> = functions[0]
        .versions
        .iter()
        .map(|v| v.name.to_string())
        .collect();
    assert_eq!(stored, ok.into_iter().collect::<HashSet<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_default_names_in_one_second_never_duplicate() {
    let mut config = base_config();
    config.behavior.reject_unchanged_publish = false;
    let app = std::sync::Arc::new(TestApp::spawn_with(config).await);
    app.create_function("hello", "x", 200).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                app.call(
                    "POST",
                    &TestApp::fgs(&format!("/functions/{}/versions", urn("hello", "latest"))),
                    None,
                )
                .await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let a = t.await.expect("task");
        if a.status == 409 {
            a.assert_error(409, "FSS.1062");
        }
        statuses.push(a.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19);
}
