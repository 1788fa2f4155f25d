//! Fake of ../shared/api/autofigureedit.txt (to be implemented).
