//! Text that must fit its place on a chart, measured with the embedded font: labels
//! wrapped at word breaks, shortened with `…`, turned, or given more height; titles set
//! smaller then cut.

use super::style::*;

/// Breaks a label into lines no wider than `max_w` at spaces, `-`, `_` and `/` (at most
/// `max_lines`); `None` when a single word is already too wide or more lines are needed.
pub fn wrap(label: &str, max_w: f64, size: f64, max_lines: usize) -> Option<Vec<String>> {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in label.chars() {
        if c == ' ' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
            if matches!(c, '-' | '_' | '/') {
                words.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut lines: Vec<String> = Vec::new();
    for w in words {
        let joined = match lines.last() {
            Some(l) if l.ends_with(['-', '_', '/']) => format!("{l}{w}"),
            Some(l) => format!("{l} {w}"),
            None => w.clone(),
        };
        if !lines.is_empty() && text_w(&joined, size, false) <= max_w {
            *lines.last_mut().unwrap() = joined;
        } else {
            if text_w(&w, size, false) > max_w {
                return None;
            }
            lines.push(w);
        }
    }
    (lines.len() <= max_lines).then_some(lines)
}

/// Whether category labels fit under bands of `band` points, on one line or wrapped.
pub fn cats_fit(labels: &[String], band: f64) -> bool {
    one_line(labels, band)
        || labels.iter().all(|l| text_w(l, TICK_PT, false) <= band * 0.94 || wrap(l, band * 0.94, TICK_PT, 3).is_some())
}

/// Whether category labels centred under bands of `band` points can stay on one line: the
/// first and last within their bands, and each a little wider than its band only where its
/// neighbours leave room (half an em apart at least), as "ConvNeXt-T" between "ViT-B/16"
/// and "Swin-T" does; breaking it would leave a lone "T".
fn one_line(labels: &[String], band: f64) -> bool {
    let w: Vec<f64> = labels.iter().map(|l| text_w(l, TICK_PT, false)).collect();
    let ends = w.first().is_none_or(|&a| a <= band * 0.94) && w.last().is_none_or(|&b| b <= band * 0.94);
    ends && w.iter().all(|&x| x <= band * 1.5) && w.windows(2).all(|p| (p[0] + p[1]) / 2.0 + 0.5 * TICK_PT <= band)
}

/// Lines of each category label on a horizontal axis with bands of `band` points: one
/// line if all fit, else wrapped (≤ 3 lines), else turned to read upwards — wrapped into
/// as many side-by-side lines as the band holds when longer than `max_turned` points.
pub fn cat_lines(labels: &[String], band: f64, max_turned: f64) -> (Vec<Vec<String>>, bool) {
    let max_w = band * 0.94;
    if labels.iter().all(|l| text_w(l, TICK_PT, false) <= max_w) || one_line(labels, band) {
        return (labels.iter().map(|l| vec![l.clone()]).collect(), false);
    }
    if let Some(w) = labels.iter().map(|l| wrap(l, max_w, TICK_PT, 3)).collect::<Option<Vec<_>>>() {
        return (w, false);
    }
    let fit_lines = ((band * 0.9 / line_h(TICK_PT)).floor() as usize).max(1);
    let lines = labels
        .iter()
        .map(|l| {
            if text_w(l, TICK_PT, false) <= max_turned {
                return vec![l.clone()];
            }
            (2..=fit_lines).find_map(|n| wrap(l, max_turned, TICK_PT, n)).unwrap_or_else(|| vec![l.clone()])
        })
        .collect::<Vec<Vec<String>>>();
    (thinned(lines, band), true)
}

/// Turned labels in bands narrower than the labels are thick would print over each other:
/// only every k-th is kept (the first among them), so that the ones shown stand apart.
fn thinned(mut lines: Vec<Vec<String>>, band: f64) -> Vec<Vec<String>> {
    let thick = lines.iter().map(Vec::len).max().unwrap_or(1) as f64 * line_h(TICK_PT) * 1.15;
    let every = (thick / band.max(f64::MIN_POSITIVE)).ceil().max(1.0) as usize;
    if every > 1 {
        for (i, l) in lines.iter_mut().enumerate() {
            if i % every != 0 {
                l.clear();
            }
        }
    }
    lines
}

/// `label` shortened with `…` to fit `width` points at tick size: cut at its end (at a
/// word where one is near), or in its `middle`, keeping both ends.
pub fn ellipsize(label: &str, width: f64, middle: bool) -> String {
    ellipsize_at(label, width, TICK_PT, middle)
}

/// An axis label that fits `width` points at label size, else cut short with `…` (a label
/// longer than its axis would run off the figure at both ends).
pub fn fit_axis_label(label: &str, width: f64) -> String {
    if text_w(label, LABEL_PT, false) <= width {
        return label.to_string();
    }
    ellipsize_at(label, width, LABEL_PT, false)
}

fn ellipsize_at(label: &str, width: f64, size: f64, middle: bool) -> String {
    let mut buf = [0u8; 4];
    let mut take = |chars: &mut dyn Iterator<Item = char>, room: f64| {
        let (mut cut, mut w) = (Vec::new(), 0.0);
        for ch in chars {
            w += text_w(ch.encode_utf8(&mut buf), size, false);
            if w > room {
                break;
            }
            cut.push(ch);
        }
        cut
    };
    let room = width - text_w("…", size, false);
    if middle {
        let head: String = take(&mut label.chars(), room / 2.0).into_iter().collect();
        let tail: String = take(&mut label.chars().rev(), room / 2.0).into_iter().rev().collect();
        return format!("{}…{}", head.trim_end(), tail.trim_start());
    }
    let cut: String = take(&mut label.chars(), room).into_iter().collect();
    let at_word = cut.rfind(' ').filter(|&i| i > cut.len() / 2).map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end())
}

/// The figure height that gives each of `rows` category labels on a vertical axis at
/// least a line of its own: a chart of many rows grows taller rather than set its labels
/// on each other (the width, which the page fixes, stays).
pub fn height_for_rows(fig: (f64, f64), rows: usize, overhead: f64) -> f64 {
    let need = rows as f64 * line_h(TICK_PT) * 1.15 + overhead;
    fig.1.max(need.min(40.0 * 72.0))
}

/// A title that fits `width` points: at the title size when it can, smaller down to 3/4
/// of it, then cut at a word (or a character) with `…`.
pub fn fit_title(title: &str, width: f64) -> (String, f64) {
    let full = text_w(title, TITLE_PT, true);
    if full <= width {
        return (title.to_string(), TITLE_PT);
    }
    let size = (TITLE_PT * width / full).max(TITLE_PT * 0.75);
    if text_w(title, size, true) <= width {
        return (title.to_string(), size);
    }
    // Glyph by glyph (linear in the title's length, however long it is).
    let (mut cut, mut w) = (String::new(), text_w("…", size, true));
    let mut buf = [0u8; 4];
    for ch in title.chars() {
        w += text_w(ch.encode_utf8(&mut buf), size, true);
        if w > width {
            break;
        }
        cut.push(ch);
    }
    let at_word = cut.rfind(' ').filter(|&i| i > cut.len() / 2).map_or(cut.as_str(), |i| &cut[..i]);
    (format!("{}…", at_word.trim_end()), size)
}

pub fn block_w(lines: &[String]) -> f64 {
    lines.iter().map(|l| text_w(l, TICK_PT, false)).fold(0.0, f64::max)
}

pub fn block_h(n: usize) -> f64 {
    cap_h(TICK_PT) + (n.saturating_sub(1)) as f64 * line_h(TICK_PT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turned_labels_too_many_for_their_bands_are_thinned() {
        let labels: Vec<String> = (1..=120).map(|d| format!("Jan {d} 2000")).collect();
        let (lines, turned) = cat_lines(&labels, 2.0, 60.0);
        assert!(turned);
        let shown: Vec<usize> = (0..lines.len()).filter(|&i| !lines[i].is_empty()).collect();
        let every = shown[1] - shown[0];
        assert!(every > 1 && shown.windows(2).all(|w| w[1] - w[0] == every), "{shown:?}");
        assert!(every as f64 * 2.0 >= line_h(TICK_PT), "shown labels stand a line apart");
        // Bands wide enough for turned labels keep them all.
        let (lines, _) = cat_lines(&labels[..10], 12.0, 60.0);
        assert!(lines.iter().all(|l| !l.is_empty()));
    }

    #[test]
    fn an_axis_label_longer_than_its_room_is_cut_with_an_ellipsis() {
        assert_eq!(fit_axis_label("Einwohner", 100.0), "Einwohner");
        let long = "Einwohner (Anzahl der gemeldeten Personen mit Hauptwohnsitz in der Stadt, Stand 31.12.)";
        let cut = fit_axis_label(long, 150.0);
        assert!(cut.starts_with("Einwohner (Anzahl") && cut.ends_with('…'), "{cut}");
        assert!(text_w(&cut, LABEL_PT, false) <= 150.0 + 0.5, "{cut}");
    }

    #[test]
    fn a_title_too_long_for_the_figure_shrinks_then_is_cut_with_an_ellipsis() {
        let width = 3.3 * 72.0 - 2.0 * PAD;
        let (short, size) = fit_title("Accuracy", width);
        assert_eq!((short.as_str(), size), ("Accuracy", TITLE_PT));
        let sixty = "Top-1 accuracy of every model we trained, by dataset and size";
        let (t, size) = fit_title(sixty, width);
        assert!((TITLE_PT * 0.75..TITLE_PT).contains(&size) && text_w(&t, size, true) <= width + 0.5, "{t} {size}");
        let huge = "word ".repeat(100_000);
        let (t, size) = fit_title(&huge, width);
        assert!(t.ends_with('…') && t.len() < 200 && text_w(&t, size, true) <= width + 0.5, "{t}");
    }

    #[test]
    fn a_label_a_little_wider_than_its_band_stays_whole_between_short_neighbours() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let band = text_w("ConvNeXt-T", TICK_PT, false) / 0.97;
        let (lines, turned) =
            cat_lines(&names(&["ResNet-50", "ViT-B/16", "ConvNeXt-T", "Swin-T", "Ours"]), band, 100.0);
        assert!(!turned && lines.iter().all(|l| l.len() == 1), "{lines:?}");
        // Two wide neighbours would touch: they are wrapped.
        let (lines, _) = cat_lines(&names(&["ResNet-50", "ConvNeXt-T", "ConvNeXt-S", "Ours"]), band, 100.0);
        assert!(lines[1].len() == 2 && lines[2].len() == 2, "{lines:?}");
    }

    #[test]
    fn wraps_long_labels() {
        assert_eq!(wrap("very long category", 40.0, 7.5, 3).unwrap().len(), 2);
        assert!(wrap("incomprehensibilities", 20.0, 7.5, 3).is_none());
        assert!(wrap("a b c d", 3.0, 7.5, 3).is_none());
    }
}
