//! Counters in the `metrics` facade, under SFTPGo's metric names, so existing dashboards keep
//! working once an exporter is installed (telemetry's `/metrics`).

/// A finished upload.
pub(crate) fn upload(bytes: u64, ok: bool) {
    if ok {
        metrics::counter!("sftpgo_uploads_total").increment(1);
    } else {
        metrics::counter!("sftpgo_upload_errors_total").increment(1);
    }
    metrics::counter!("sftpgo_upload_size").increment(bytes);
}

/// A finished download.
pub(crate) fn download(bytes: u64, ok: bool) {
    if ok {
        metrics::counter!("sftpgo_downloads_total").increment(1);
    } else {
        metrics::counter!("sftpgo_download_errors_total").increment(1);
    }
    metrics::counter!("sftpgo_download_size").increment(bytes);
}
