//! The house style shared by every builtin renderer: palette, text colours, type sizes.
//!
//! Plots (`plot/style.rs`) and diagrams (`diagram/draw.rs`) take their colours from here,
//! so a paper's charts and diagrams match.

/// Okabe & Ito (2008) colour-blind-safe palette as RGB, in series order (yellow and black
/// last: yellow is weak on white, black is kept for fits and annotations).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xD5, 0x5E, 0x00), // vermillion
    (0xCC, 0x79, 0xA7), // reddish purple
    (0x56, 0xB4, 0xE9), // sky blue
    (0xF0, 0xE4, 0x42), // yellow
    (0x00, 0x00, 0x00), // black
];

/// Colour of body text in figures.
pub const TEXT: (u8, u8, u8) = (0x1A, 0x1A, 0x1A);
/// Colour of axes and outlines.
pub const AXIS: (u8, u8, u8) = (0x33, 0x33, 0x33);

/// `c` mixed with white: `t` = 0 is white, 1 is `c`.
pub fn tint(c: (u8, u8, u8), t: f64) -> (u8, u8, u8) {
    let m = |v: u8| (255.0 - (255.0 - f64::from(v)) * t).round().clamp(0.0, 255.0) as u8;
    (m(c.0), m(c.1), m(c.2))
}

/// `c` mixed with black: `t` = 0 is `c`, 1 is black.
pub fn shade(c: (u8, u8, u8), t: f64) -> (u8, u8, u8) {
    let m = |v: u8| (f64::from(v) * (1.0 - t)).round().clamp(0.0, 255.0) as u8;
    (m(c.0), m(c.1), m(c.2))
}

/// `#RRGGBB`.
pub fn hex(c: (u8, u8, u8)) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}
