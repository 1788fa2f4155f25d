//! Tests of the Papermill fake against its documentation.

use super::figures::figure_size;
use super::*;
use crate::support::http;

const KEY: &str = "pmk_2fd2058f53cd84ce3f0ff8f8db3f587_test";

fn call(base: &str, method: &str, path: &str, auth: Option<&str>) -> (u16, String, Vec<u8>) {
    let bearer = auth.map(|k| format!("Bearer {k}"));
    let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("Authorization", b.as_str())).collect();
    http(base, method, path, &headers, b"")
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or(Value::Null)
}

fn upload(base: &str, auth: Option<&str>, filename: &str, bytes: &[u8]) -> (u16, String, Value) {
    let mut body = format!(
        "--BND\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--BND--\r\n");
    let bearer = auth.map(|k| format!("Bearer {k}"));
    let mut headers = vec![("Content-Type", "multipart/form-data; boundary=BND")];
    if let Some(b) = &bearer {
        headers.push(("Authorization", b));
    }
    let (st, head, out) = http(base, "POST", "/tasks", &headers, &body);
    (st, head, json_of(&out))
}

#[test]
fn upload_poll_list_and_download_figures() {
    let fake = Papermill::new(KEY);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let (st, _, task) = upload(&base, Some(KEY), "paper.pdf", b"%PDF-1.4 fake");
    assert_eq!(st, 201, "{task}");
    assert_eq!(task["status"], "QUEUED");
    let id = task["id"].as_str().unwrap();
    let (st, _, body) = call(&base, "GET", &format!("/tasks/{id}/figures"), Some(KEY));
    assert_eq!((st, json_of(&body)["detail"].as_str()), (409, Some("Task result not ready")));
    let (_, _, b) = call(&base, "GET", &format!("/tasks/{id}"), Some(KEY));
    assert_eq!(json_of(&b)["status"], "QUEUED");
    let (st, _, body) = call(&base, "DELETE", &format!("/tasks/{id}"), Some(KEY));
    assert_eq!((st, json_of(&body)["detail"].as_str()), (409, Some("Cannot delete task while processing")));
    let (_, _, b) = call(&base, "GET", &format!("/tasks/{id}"), Some(KEY));
    assert_eq!(json_of(&b)["status"], "DONE");
    let (st, _, body) = call(&base, "GET", &format!("/tasks/{id}/figures?limit=2"), Some(KEY));
    let page = json_of(&body);
    assert_eq!((st, page["total"].as_u64(), page["has_more"].as_bool()), (200, Some(3), Some(true)));
    let url = page["items"][1]["url"].as_str().unwrap();
    let (st, _, presigned) = http(&base, "GET", url.strip_prefix(&base).unwrap(), &[], b"");
    assert_eq!(st, 200);
    let (st, _, png) = call(&base, "GET", &format!("/tasks/{id}/figures/2/download"), Some(KEY));
    assert_eq!(st, 200);
    assert_eq!(png, presigned);
    let r = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    assert_eq!((r.info().width, r.info().height), figure_size(2));
    let (st, _, _) = call(&base, "GET", &format!("/tasks/{id}/figures/4"), Some(KEY));
    assert_eq!(st, 404);
    let (st, _, _) = call(&base, "GET", &format!("/tasks/{id}/figures/0"), Some(KEY));
    assert_eq!(st, 422);
    let (st, _, md) = call(&base, "GET", &format!("/tasks/{id}/download"), Some(KEY));
    assert!(st == 200 && String::from_utf8_lossy(&md).contains("picture-3.png"));
    let (st, _, body) = call(&base, "DELETE", &format!("/tasks/{id}"), Some(KEY));
    assert_eq!((st, json_of(&body)["deleted"].as_bool()), (200, Some(true)));
    assert_eq!(fake.tasks(), 0);
    let (st, _, body) = call(&base, "DELETE", &format!("/tasks/{id}"), Some(KEY));
    assert_eq!((st, json_of(&body)["detail"].as_str()), (404, Some("Task not found")));
    assert_eq!(fake.submissions(), 1);
}

#[test]
fn tasks_are_scoped_to_their_owner_and_guests_get_a_cookie() {
    let fake = Papermill::new(KEY);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let (st, head, task) = upload(&base, None, "paper.pdf", b"%PDF-1.7");
    assert_eq!(st, 201);
    assert!(head.contains("guest_session="), "{head}");
    let id = task["id"].as_str().unwrap();
    let (st, _, body) = call(&base, "GET", &format!("/tasks/{id}"), Some(KEY));
    assert_eq!((st, json_of(&body)["detail"].as_str()), (404, Some("Task not found")));
    let (st, _, _) = call(&base, "GET", "/tasks/not-a-uuid", Some(KEY));
    assert_eq!(st, 422);
    let (st, _, _) = call(&base, "GET", "/tasks", Some("pmk_wrong"));
    assert_eq!(st, 401);
    let (st, _, body) = call(&base, "GET", "/api-keys", None);
    assert_eq!((st, json_of(&body)["detail"].as_str()), (401, Some("Authentication required")));
    let (st, _, body) = upload(&base, Some(KEY), "", b"%PDF-1.7");
    assert_eq!((st, body["detail"].as_str()), (400, Some("Uploaded file must have a filename")));
    fake.set_enqueue_fails(true);
    let (st, _, body) = upload(&base, Some(KEY), "a.pdf", b"%PDF-1.7");
    assert_eq!((st, body["detail"].as_str()), (500, Some("Failed to enqueue task")));
}

#[test]
fn a_file_that_is_not_a_pdf_fails_processing() {
    let fake = Papermill::new(KEY);
    fake.set_polls_until_done(1);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let (_, _, task) = upload(&base, Some(KEY), "notes.pdf", b"plain text");
    let id = task["id"].as_str().unwrap();
    let (_, _, b) = call(&base, "GET", &format!("/tasks/{id}"), Some(KEY));
    let t = json_of(&b);
    assert_eq!(t["status"], "FAILED");
    assert!(t["error_message"].as_str().unwrap().contains("not a PDF"));
    let (st, _, body) = call(&base, "GET", &format!("/tasks/{id}/download"), Some(KEY));
    assert_eq!((st, json_of(&body)["detail"].as_str()), (404, Some("Task output file missing")));
}

#[test]
fn api_keys_are_created_listed_and_revoked() {
    let fake = Papermill::new(KEY);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let auth = format!("Bearer {KEY}");
    let h = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    let (st, _, body) = http(&base, "POST", "/api-keys", &h, br#"{"name":"CI runner"}"#);
    let key = json_of(&body);
    assert_eq!(st, 201);
    let token = key["token"].as_str().unwrap().to_string();
    assert!(token.starts_with(key["key_prefix"].as_str().unwrap()));
    let (st, _, _) = call(&base, "GET", "/tasks", Some(&token));
    assert_eq!(st, 200);
    let (st, _, body) = http(&base, "POST", "/api-keys", &h, br#"{"name":" "}"#);
    assert_eq!((st, json_of(&body)["detail"].as_str()), (422, Some("API key name must not be empty")));
    let (_, _, list) = call(&base, "GET", "/api-keys", Some(KEY));
    assert_eq!(json_of(&list)["total"], 1);
    let kid = key["id"].as_str().unwrap();
    let (st, _, body) = call(&base, "DELETE", &format!("/api-keys/{kid}"), Some(KEY));
    assert_eq!((st, json_of(&body)["revoked"].as_bool()), (200, Some(true)));
    let (st, _, _) = call(&base, "GET", "/tasks", Some(&token));
    assert_eq!(st, 401);
    let (st, _, body) = call(&base, "DELETE", &format!("/api-keys/{kid}x"), Some(KEY));
    assert_eq!((st, json_of(&body)["detail"].as_str()), (404, Some("API key not found")));
    let (st, _, body) = call(&base, "GET", "/health", None);
    assert_eq!((st, json_of(&body)["status"].as_str()), (200, Some("ok")));
}

#[test]
fn assets_download_and_metadata_routes_answer_as_documented() {
    let fake = Papermill::new(KEY);
    fake.set_polls_until_done(1);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    let (_, _, task) = upload(&base, Some(KEY), "paper.pdf", b"%PDF-1.7");
    let id = task["id"].as_str().unwrap().to_string();
    let (st, _, body) = call(&base, "GET", &format!("/tasks/{id}/assets"), Some(KEY));
    assert_eq!((st, json_of(&body)["detail"].as_str()), (409, Some("Task result not ready")));
    call(&base, "GET", &format!("/tasks/{id}"), Some(KEY));
    let (st, _, body) = call(&base, "GET", &format!("/tasks/{id}/assets"), Some(KEY));
    let assets = json_of(&body);
    assert_eq!((st, assets["figures"][2]["index"].as_u64()), (200, Some(3)));
    assert_eq!(assets["figures"][0]["bbox"].as_array().map(Vec::len), Some(4));
    fake.set_assets_invalid(true);
    let (st, _, body) = call(&base, "GET", &format!("/tasks/{id}/assets"), Some(KEY));
    assert_eq!((st, json_of(&body)["detail"].as_str()), (500, Some("Task assets file is invalid")));
    fake.set_output_missing(true);
    for route in ["download", "assets"] {
        let (st, _, body) = call(&base, "GET", &format!("/tasks/{id}/{route}"), Some(KEY));
        assert_eq!((st, json_of(&body)["detail"].as_str()), (404, Some("Task output file missing")), "{route}");
    }
    let (st, head, _) = call(&base, "GET", &format!("/tasks/{id}/figures/1/download?download=true"), Some(KEY));
    assert!(st == 200 && head.contains("attachment; filename=\"picture-1.png\""), "{head}");
    let (st, _, body) = call(&base, "GET", "/public/tasks", Some(KEY));
    assert_eq!((st, json_of(&body)["total"].as_u64()), (200, Some(0)), "Bearer tasks are not guest tasks");
    let (st, _, body) = call(&base, "GET", "/tasks?limit=abc", Some(KEY));
    assert_eq!((st, json_of(&body)["detail"][0]["loc"][1].as_str()), (422, Some("limit")));
    let (st, _, body) = call(&base, "GET", "/api/v1/meta", None);
    assert_eq!((st, json_of(&body)["queue"].as_str()), (200, Some("document_tasks")));
}

#[test]
fn tasks_are_listed_newest_first_by_page_with_their_file_names() {
    let fake = Papermill::new(KEY);
    let srv = crate::serve(fake.router(), 0).unwrap();
    let base = srv.base_url();
    assert_eq!(upload(&base, Some(KEY), "a.pdf", b"%PDF-1.4 a").0, 201);
    assert_eq!(upload(&base, Some(KEY), "b.pdf", b"%PDF-1.4 b").0, 201);
    let (st, _, body) = call(&base, "GET", "/tasks?limit=1&offset=0", Some(KEY));
    let page = json_of(&body);
    assert_eq!((st, page["total"].as_u64(), page["has_more"].as_bool()), (200, Some(2), Some(true)));
    let newest = &page["items"][0];
    assert_eq!((newest["file_name"].as_str(), newest["status"].as_str()), (Some("b.pdf"), Some("QUEUED")));
    assert!(newest["id"].is_string() && newest["created_at"].is_string(), "{newest}");
    let (_, _, body) = call(&base, "GET", "/tasks?limit=1&offset=1", Some(KEY));
    let page = json_of(&body);
    assert_eq!((page["items"][0]["file_name"].as_str(), page["has_more"].as_bool()), (Some("a.pdf"), Some(false)));
    assert_eq!(fake.submissions(), 2);
}
