//! Bandwidth throttling, measured on the runtime's clock (paused, so the figure is exact and the
//! test cannot flake on a loaded machine): a 2 MiB transfer must take 2 MiB / rate within 10%.

use tokio::time::Instant;
use wharf_model::user::BandwidthLimit;

use super::support::{Kind, World, get, put};

const SIZE: usize = 2 * 1024 * 1024;

#[tokio::test(start_paused = true)]
async fn uploads_and_downloads_follow_the_configured_rate() {
    let w = World::new(Kind::Object).await;
    let mut u = w.user("bw");
    u.upload_bandwidth = 512; // KB/s: 2 MiB should take 4 s
    u.download_bandwidth = 1024; // 2 s
    let s = w.session(u).await;
    let data = vec![5u8; SIZE];
    let t = Instant::now();
    put(&s, "/f", &data).await.unwrap();
    let up = t.elapsed().as_secs_f64();
    assert!((3.6..=4.4).contains(&up), "upload took {up:.3} s, expected 4 s ± 10%");
    let t = Instant::now();
    assert_eq!(get(&s, "/f").await.unwrap().len(), SIZE);
    let down = t.elapsed().as_secs_f64();
    assert!((1.8..=2.2).contains(&down), "download took {down:.3} s, expected 2 s ± 10%");
}

#[tokio::test(start_paused = true)]
async fn per_source_limits_override_the_user_limits() {
    let w = World::new(Kind::Object).await;
    let mut u = w.user("bw2");
    u.upload_bandwidth = 64;
    u.filters.bandwidth_limits =
        vec![BandwidthLimit { sources: vec!["127.0.0.0/8".into()], upload_bandwidth: 2048, download_bandwidth: 0 }];
    let s = w.session(u).await;
    let t = Instant::now();
    put(&s, "/f", &vec![1u8; SIZE]).await.unwrap();
    let up = t.elapsed().as_secs_f64();
    assert!((0.9..=1.1).contains(&up), "upload took {up:.3} s, expected 1 s ± 10% (the 127.0.0.0/8 override)");
    let t = Instant::now();
    get(&s, "/f").await.unwrap();
    assert!(t.elapsed().as_secs_f64() < 0.1, "download unlimited for this source");
}
