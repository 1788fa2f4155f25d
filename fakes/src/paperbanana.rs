//! Fake of ../shared/api/paperbanana.txt (to be implemented).
