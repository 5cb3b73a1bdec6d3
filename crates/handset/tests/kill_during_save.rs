//! `config.txt` survives `kill -9` at any moment of a save: it is always the old or the new
//! configuration, never a torn mix.
//!
//! The test re-runs its own binary as a child that saves in a tight loop, kills it at random
//! moments, and checks the file after each kill.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use handset_config::{persist, Commit, ConfigStore, Origin, Schema};
use rand::Rng;

const CHILD_ENV: &str = "HANDSET_SAVE_LOOP_FILE";
const KILLS: usize = 60;

/// In the child: save forever, each time with three related values that must agree.
#[test]
fn child_save_loop() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return; // Only does something when started by the parent below.
    };
    let path = Path::new(&path);
    let mut store = persist::load(path, Schema::builtin(), 6).unwrap();
    let start: u64 = store.get_by_name("P35").unwrap().parse().unwrap_or(0);
    let padding = "x".repeat(200);
    for round in start + 1.. {
        let value = round.to_string();
        let name = format!("{round}-{padding}");
        store
            .set_many(
                [
                    ("P35", value.as_str()),
                    ("P36", value.as_str()),
                    ("P270", name.as_str()),
                ],
                Origin::User,
                Commit::SaveAndApply,
            )
            .unwrap();
        persist::save(path, &store).unwrap();
    }
}

#[test]
fn kill_9_during_hundreds_of_saves_never_tears_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.txt");
    let me = std::env::current_exe().unwrap();
    let mut rng = rand::thread_rng();
    let mut last_round = 0u64;
    for _ in 0..KILLS {
        let mut child = Command::new(&me)
            .args([
                "--exact",
                "child_save_loop",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let the child get at least two saves further however loaded the machine is, then
        // kill it at a random moment of the saves that follow.
        wait_for_round(&path, last_round + 2);
        std::thread::sleep(Duration::from_millis(rng.gen_range(0..40)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let store = persist::load(&path, Schema::builtin(), 6)
            .unwrap_or_else(|e| panic!("torn config.txt after kill: {e}"));
        let round = consistent_round(&store);
        assert!(
            round >= last_round,
            "went back from {last_round} to {round}"
        );
        last_round = round;
    }
    assert!(
        last_round > 100,
        "only {last_round} saves happened; the test did not stress saving"
    );
}

/// Waits until the saved file has reached `round` (it is replaced atomically, so reading it
/// while the child saves is safe).
fn wait_for_round(path: &Path, round: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if path.exists() {
            let store = persist::load(path, Schema::builtin(), 6)
                .unwrap_or_else(|e| panic!("torn config.txt while saving: {e}"));
            if consistent_round(&store) >= round {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the saving child did not reach round {round} in 60 s");
}

fn consistent_round(store: &ConfigStore) -> u64 {
    let a = store.get_by_name("P35").unwrap();
    let b = store.get_by_name("P36").unwrap();
    let name = store.get_by_name("P270").unwrap();
    assert_eq!(a, b, "P35 and P36 were saved together");
    assert!(
        name.starts_with(&format!("{a}-")),
        "P270 {name:?} belongs to round {a}"
    );
    a.parse().unwrap()
}
