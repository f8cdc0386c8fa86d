//! Sutherland-Hodgman clipping of rings against the buffered tile square.
//!
//! The crossing point of an edge with a side of the square is computed from
//! the edge's endpoints in a canonical order, so two neighbours that walk a
//! shared edge in opposite directions get bit-identical crossing points.

/// Clips a closed ring (first point not repeated at the end) to the square
/// `[lo, hi]²`, writing the result to `out` (cleared first). `scratch` is a
/// reusable buffer.
pub fn clip_ring(
    ring: &[[f64; 2]],
    lo: f64,
    hi: f64,
    out: &mut Vec<[f64; 2]>,
    scratch: &mut Vec<[f64; 2]>,
) {
    out.clear();
    out.extend_from_slice(ring);
    for (axis, bound, keep_above) in [(0, lo, true), (0, hi, false), (1, lo, true), (1, hi, false)]
    {
        if out.is_empty() {
            return;
        }
        std::mem::swap(out, scratch);
        out.clear();
        let inside = |p: &[f64; 2]| {
            if keep_above {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        let mut prev = scratch[scratch.len() - 1];
        let mut prev_in = inside(&prev);
        for &cur in scratch.iter() {
            let cur_in = inside(&cur);
            if cur_in {
                if !prev_in {
                    out.push(crossing(prev, cur, axis, bound));
                }
                out.push(cur);
            } else if prev_in {
                out.push(crossing(prev, cur, axis, bound));
            }
            prev = cur;
            prev_in = cur_in;
        }
    }
}

/// Where the segment `a`-`b` crosses the line `p[axis] == value`, computed
/// the same way whichever end comes first.
#[inline]
fn crossing(a: [f64; 2], b: [f64; 2], axis: usize, value: f64) -> [f64; 2] {
    let (p, q) = if (a[0], a[1]) <= (b[0], b[1]) {
        (a, b)
    } else {
        (b, a)
    };
    let other = 1 - axis;
    let t = (value - p[axis]) / (q[axis] - p[axis]);
    let mut r = [0.0; 2];
    r[axis] = value;
    r[other] = p[other] + t * (q[other] - p[other]);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_to_the_square_and_shared_edges_agree() {
        let square = [[-10.0, -10.0], [20.0, -10.0], [20.0, 20.0], [-10.0, 20.0]];
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        clip_ring(&square, 0.0, 10.0, &mut out, &mut scratch);
        assert_eq!(out.len(), 4);
        assert!(
            out.iter()
                .all(|p| p[0] >= 0.0 && p[0] <= 10.0 && p[1] >= 0.0 && p[1] <= 10.0)
        );
        // Two triangles sharing the edge (-3.3, 1.7)-(7.1, 13.9), walked in
        // opposite directions, cross the top side at the same point.
        let a = [[-3.3, 1.7], [7.1, 13.9], [-5.0, 13.0]];
        let b = [[7.1, 13.9], [-3.3, 1.7], [9.0, 2.0]];
        let mut oa = Vec::new();
        clip_ring(&a, 0.0, 10.0, &mut oa, &mut scratch);
        let mut ob = Vec::new();
        clip_ring(&b, 0.0, 10.0, &mut ob, &mut scratch);
        let on_top = |v: &Vec<[f64; 2]>| {
            v.iter()
                .copied()
                .filter(|p| p[1] == 10.0 && p[0] > 0.0 && p[0] < 10.0)
                .collect::<Vec<_>>()
        };
        let shared = on_top(&oa);
        assert_eq!(shared.len(), 1);
        assert!(on_top(&ob).contains(&shared[0]));
        // Entirely outside: nothing left.
        clip_ring(
            &[[20.0, 20.0], [30.0, 20.0], [30.0, 30.0]],
            0.0,
            10.0,
            &mut out,
            &mut scratch,
        );
        assert!(out.is_empty());
    }
}
