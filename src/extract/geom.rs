//! Axis-aligned boxes in PDF points, origin at the top-left of the page (y grows down).

/// A box `[x0, y0, x1, y1]` with `x0 <= x1` and `y0 <= y1` (y grows down the page).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub const fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect {
        Rect { x0, y0, x1, y1 }
    }
    pub fn from_array(b: [f64; 4]) -> Rect {
        Rect::new(b[0].min(b[2]), b[1].min(b[3]), b[0].max(b[2]), b[1].max(b[3]))
    }
    pub fn to_array(self) -> [f64; 4] {
        [self.x0, self.y0, self.x1, self.y1]
    }
    pub fn width(&self) -> f64 {
        (self.x1 - self.x0).max(0.0)
    }
    pub fn height(&self) -> f64 {
        (self.y1 - self.y0).max(0.0)
    }
    pub fn area(&self) -> f64 {
        self.width() * self.height()
    }
    pub fn union(&self, o: &Rect) -> Rect {
        Rect::new(self.x0.min(o.x0), self.y0.min(o.y0), self.x1.max(o.x1), self.y1.max(o.y1))
    }
    /// The overlap, or `None` when the boxes do not overlap with positive area.
    pub fn intersection(&self, o: &Rect) -> Option<Rect> {
        let r = Rect::new(self.x0.max(o.x0), self.y0.max(o.y0), self.x1.min(o.x1), self.y1.min(o.y1));
        (r.x0 < r.x1 && r.y0 < r.y1).then_some(r)
    }
    pub fn intersects(&self, o: &Rect) -> bool {
        self.intersection(o).is_some()
    }
    pub fn contains(&self, o: &Rect) -> bool {
        o.x0 >= self.x0 && o.y0 >= self.y0 && o.x1 <= self.x1 && o.y1 <= self.y1
    }
    /// Intersection over union; 0 for disjoint boxes.
    pub fn iou(&self, o: &Rect) -> f64 {
        let inter = self.intersection(o).map_or(0.0, |r| r.area());
        let union = self.area() + o.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
    /// Overlap along x as a length (0 when apart).
    pub fn x_overlap(&self, o: &Rect) -> f64 {
        (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0.0)
    }
    /// Overlap along y as a length (0 when apart).
    pub fn y_overlap(&self, o: &Rect) -> f64 {
        (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0.0)
    }
    /// Distance between the boxes (0 when they touch or overlap).
    pub fn distance(&self, o: &Rect) -> f64 {
        let dx = (o.x0 - self.x1).max(self.x0 - o.x1).max(0.0);
        let dy = (o.y0 - self.y1).max(self.y0 - o.y1).max(0.0);
        dx.hypot(dy)
    }
    pub fn is_finite(&self) -> bool {
        self.x0.is_finite() && self.y0.is_finite() && self.x1.is_finite() && self.y1.is_finite()
    }
}

/// A quarter turn of a page, to read text that runs up or down it (a sideways table or
/// figure) from left to right. A page `w` wide and `h` high turns into one `h` wide and `w`
/// high.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// Text that runs up the page (rotated a quarter turn anticlockwise, as `sidewaystable`
    /// sets it): the page turned clockwise.
    Up,
    /// Text that runs down the page: the page turned anticlockwise.
    Down,
}

impl Turn {
    /// A box of the page (`w` x `h`) in the turned page's coordinates.
    pub fn rect(self, r: Rect, w: f64, h: f64) -> Rect {
        match self {
            Turn::Up => Rect::new(h - r.y1, r.x0, h - r.y0, r.x1),
            Turn::Down => Rect::new(r.y0, w - r.x1, r.y1, w - r.x0),
        }
    }

    /// A box of the turned page back in the coordinates of the page (`w` x `h`).
    pub fn back(self, r: Rect, w: f64, h: f64) -> Rect {
        match self {
            Turn::Up => Rect::new(r.y0, h - r.x1, r.y1, h - r.x0),
            Turn::Down => Rect::new(w - r.y1, r.x0, w - r.y0, r.x1),
        }
    }
}

/// The union of all boxes, `None` for an empty list.
pub fn union_all<'a>(rects: impl IntoIterator<Item = &'a Rect>) -> Option<Rect> {
    rects.into_iter().fold(None, |acc: Option<Rect>, r| Some(acc.map_or(*r, |a| a.union(r))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_identical_half_and_disjoint_boxes() {
        let a = Rect::new(0.0, 0.0, 10.0, 10.0);
        assert_eq!(a.iou(&a), 1.0);
        let b = Rect::new(5.0, 0.0, 15.0, 10.0);
        assert!((a.iou(&b) - 50.0 / 150.0).abs() < 1e-9);
        assert_eq!(a.iou(&Rect::new(20.0, 20.0, 30.0, 30.0)), 0.0);
    }

    #[test]
    fn a_turned_box_turns_back() {
        let (w, h) = (612.0, 792.0);
        let r = Rect::new(100.0, 200.0, 150.0, 500.0);
        for t in [Turn::Up, Turn::Down] {
            let turned = t.rect(r, w, h);
            assert_eq!((turned.width(), turned.height()), (300.0, 50.0), "{t:?}");
            assert_eq!(t.back(turned, w, h), r, "{t:?}");
        }
        // Text running up the left edge reads left to right at the top of the turned page.
        assert_eq!(Turn::Up.rect(Rect::new(0.0, 700.0, 10.0, 792.0), w, h), Rect::new(0.0, 0.0, 92.0, 10.0));
    }

    #[test]
    fn distance_is_zero_when_touching_and_euclidean_at_corners() {
        let a = Rect::new(0.0, 0.0, 10.0, 10.0);
        assert_eq!(a.distance(&Rect::new(10.0, 0.0, 12.0, 3.0)), 0.0);
        assert!((a.distance(&Rect::new(13.0, 14.0, 20.0, 20.0)) - 5.0).abs() < 1e-9);
    }
}
