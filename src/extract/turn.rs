//! Sideways floats: a table or figure set a quarter turn round on the page
//! (`sidewaystable`, `sidewaysfigure`), its caption running up or down the page.
//!
//! The reader keeps glyphs of vertical text in the coordinates of the page turned to read
//! them ([`Turn`]). When such text holds a caption, [`turned`] builds the whole page in
//! those coordinates (the turned text upright, everything else as graphics), so that the
//! same layout analysis finds the caption and its region; the boxes are turned back after.

use super::caption;
use super::geom::{Rect, Turn};
use super::pdf::{Mark, PageContent};
use super::text;

/// The page turned by `turn`, if text running that way starts a caption; else `None`.
/// Upright glyphs inside `furniture` (running heads, footers) are left out: on the turned
/// page they would be graphics a region could take in.
pub fn turned(content: &PageContent, turn: Turn, furniture: &[Rect]) -> Option<PageContent> {
    let own = match turn {
        Turn::Up => &content.upward,
        Turn::Down => &content.downward,
    };
    let glyphs: Vec<_> = own.iter().map(|(g, _)| g.clone()).collect();
    if glyphs.len() < 8 || !text::lines(&glyphs).iter().any(|l| caption::parse_start(&l.text).is_some()) {
        return None;
    }
    let (w, h) = (content.width, content.height);
    let turn_mark = |m: &Mark| Mark { rect: turn.rect(m.rect, w, h), ink: m.ink.map(|i| turn.rect(i, w, h)) };
    let mut mine = vec![false; content.rotated_text.len()];
    for (_, i) in own {
        if let Some(m) = mine.get_mut(*i) {
            *m = true;
        }
    }
    // Upright text and text turned the other way are, on the turned page, turned text:
    // graphics, as rotated text is on an upright page.
    let mut rotated: Vec<Mark> =
        content.rotated_text.iter().zip(&mine).filter(|(_, m)| !**m).map(|(r, _)| turn_mark(r)).collect();
    let kept = content.glyphs.iter().filter(|g| !furniture.iter().any(|f| f.contains(&g.rect())));
    rotated.extend(kept.map(|g| turn_mark(&Mark { rect: g.rect(), ink: g.ink })));
    Some(PageContent {
        width: h,
        height: w,
        glyphs,
        rotated_text: rotated,
        paths: content.paths.iter().map(turn_mark).collect(),
        images: content.images.iter().map(turn_mark).collect(),
        upward: Vec::new(),
        downward: Vec::new(),
    })
}

#[cfg(test)]
#[path = "turn/tests.rs"]
mod tests;
