//! Fake of ../shared/api/papermill.txt (to be implemented).
