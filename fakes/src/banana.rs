//! Fake of ../shared/api/banana.txt (to be implemented).
