//! Geohashing as Redis 7.0 does it (a port of geohash.c and geohash_helper.c): 52-bit
//! interleaved scores, cell decoding, neighbour cells, the 9-cell search area for a radius or
//! box query, and haversine distances on Redis's earth radius.

use std::f64::consts::PI;

/// Precision of stored points: 26 bits of longitude and 26 of latitude.
pub const STEP_MAX: u8 = 26;
/// Southernmost latitude GEOADD accepts (the edge of the Web Mercator square).
pub const LAT_MIN: f64 = -85.05112878;
/// Northernmost latitude GEOADD accepts.
pub const LAT_MAX: f64 = 85.05112878;
/// Westernmost longitude.
pub const LONG_MIN: f64 = -180.0;
/// Easternmost longitude.
pub const LONG_MAX: f64 = 180.0;
/// Earth's quadratic mean radius for WGS-84, in metres.
pub const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
const MERCATOR_MAX: f64 = 20037726.37;
const D_R: f64 = PI / 180.0;

/// An interval of longitudes or latitudes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

/// The longitude range of Redis's scores.
pub const LONG_RANGE: Range = Range {
    min: LONG_MIN,
    max: LONG_MAX,
};
/// The latitude range of Redis's scores (limited to the Mercator square).
pub const LAT_RANGE: Range = Range {
    min: LAT_MIN,
    max: LAT_MAX,
};

/// A geohash cell: `step` bits of each coordinate, interleaved into `bits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashBits {
    pub bits: u64,
    pub step: u8,
}

impl HashBits {
    /// The "no cell" marker of the search area (GZERO in Redis).
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// The cell as a 52-bit score prefix (geohashAlign52Bits).
    pub fn align52(&self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }

    /// The scores of the points inside this cell: `min <= score < max`.
    pub fn score_range(&self) -> (u64, u64) {
        let next = HashBits {
            bits: self.bits.wrapping_add(1),
            step: self.step,
        };
        (self.align52(), next.align52())
    }
}

/// The longitude and latitude bounds of a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub longitude: Range,
    pub latitude: Range,
}

fn interleave64(xlo: u32, ylo: u32) -> u64 {
    const B: [u64; 5] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
    ];
    const S: [u32; 5] = [1, 2, 4, 8, 16];
    let mut x = u64::from(xlo);
    let mut y = u64::from(ylo);
    for i in (0..5).rev() {
        x = (x | (x << S[i])) & B[i];
        y = (y | (y << S[i])) & B[i];
    }
    x | (y << 1)
}

fn deinterleave64(interleaved: u64) -> u64 {
    const B: [u64; 6] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
        0x00000000FFFFFFFF,
    ];
    const S: [u32; 6] = [0, 1, 2, 4, 8, 16];
    let mut x = interleaved;
    let mut y = interleaved >> 1;
    for i in 0..6 {
        x = (x | (x >> S[i])) & B[i];
        y = (y | (y >> S[i])) & B[i];
    }
    x | (y << 32)
}

/// C's conversion of a double to `uint32_t` for the in-range values geohashing produces.
fn to_u32(d: f64) -> u32 {
    d as i64 as u32
}

/// Encodes a point into a cell of `step` bits per coordinate over the given ranges; the
/// point must lie within the ranges and Redis's coordinate limits (None otherwise).
pub fn encode(
    long_range: Range,
    lat_range: Range,
    longitude: f64,
    latitude: f64,
    step: u8,
) -> Option<HashBits> {
    if step > 32 || step == 0 {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&longitude) || !(LAT_MIN..=LAT_MAX).contains(&latitude) {
        return None;
    }
    if latitude < lat_range.min
        || latitude > lat_range.max
        || longitude < long_range.min
        || longitude > long_range.max
    {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_offset = (latitude - lat_range.min) / (lat_range.max - lat_range.min) * scale;
    let long_offset = (longitude - long_range.min) / (long_range.max - long_range.min) * scale;
    Some(HashBits {
        bits: interleave64(to_u32(lat_offset), to_u32(long_offset)),
        step,
    })
}

/// Encodes a point on Redis's WGS-84 ranges.
pub fn encode_wgs84(longitude: f64, latitude: f64, step: u8) -> Option<HashBits> {
    encode(LONG_RANGE, LAT_RANGE, longitude, latitude, step)
}

/// The sorted-set score GEOADD stores for a valid point.
pub fn score_of(longitude: f64, latitude: f64) -> Option<u64> {
    encode_wgs84(longitude, latitude, STEP_MAX).map(|h| h.align52())
}

/// The bounds of a cell.
pub fn decode(long_range: Range, lat_range: Range, hash: HashBits) -> Area {
    let separated = deinterleave64(hash.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = long_range.max - long_range.min;
    let ilato = separated as u32;
    let ilono = (separated >> 32) as u32;
    let cells = (1u64 << hash.step) as f64;
    Area {
        latitude: Range {
            min: lat_range.min + (f64::from(ilato) / cells) * lat_scale,
            max: lat_range.min + (f64::from(ilato.wrapping_add(1)) / cells) * lat_scale,
        },
        longitude: Range {
            min: long_range.min + (f64::from(ilono) / cells) * long_scale,
            max: long_range.min + (f64::from(ilono.wrapping_add(1)) / cells) * long_scale,
        },
    }
}

/// The centre of a cell, clamped to the coordinate limits: (longitude, latitude).
pub fn area_center(area: &Area) -> (f64, f64) {
    let longitude = ((area.longitude.min + area.longitude.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let latitude = ((area.latitude.min + area.latitude.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (longitude, latitude)
}

/// C's `(uint64_t)d` as x86-64 compiles it, for any double a sorted set may hold.
pub fn double_to_u64(d: f64) -> u64 {
    const TWO_63: f64 = 9223372036854775808.0;
    let cvttsd2si = |v: f64| -> u64 {
        if v.is_nan() || !(-TWO_63..TWO_63).contains(&v) {
            i64::MIN as u64
        } else {
            v as i64 as u64
        }
    };
    if d < TWO_63 {
        cvttsd2si(d)
    } else {
        cvttsd2si(d - TWO_63) ^ (1 << 63)
    }
}

/// Decodes a member's score into the (longitude, latitude) GEOPOS reports.
pub fn decode_score(score: f64) -> (f64, f64) {
    let hash = HashBits {
        bits: double_to_u64(score),
        step: STEP_MAX,
    };
    area_center(&decode(LONG_RANGE, LAT_RANGE, hash))
}

/// The 11-character standard geohash (latitudes over -90..90) GEOHASH replies with.
pub fn standard_geohash(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (longitude, latitude) = decode_score(score);
    let bits = encode(
        LONG_RANGE,
        Range {
            min: -90.0,
            max: 90.0,
        },
        longitude,
        latitude,
        STEP_MAX,
    )
    .map_or(0, |h| h.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        *c = ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize];
    }
    out
}

fn move_x(hash: &mut HashBits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let mut x = hash.bits & 0xaaaaaaaaaaaaaaaa;
    let y = hash.bits & 0x5555555555555555;
    let zz = 0x5555555555555555u64 >> shift;
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= 0xaaaaaaaaaaaaaaaa >> shift;
    hash.bits = x | y;
}

fn move_y(hash: &mut HashBits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let x = hash.bits & 0xaaaaaaaaaaaaaaaa;
    let mut y = hash.bits & 0x5555555555555555;
    let zz = 0xaaaaaaaaaaaaaaaau64 >> shift;
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= 0x5555555555555555 >> shift;
    hash.bits = x | y;
}

fn moved(hash: HashBits, dx: i8, dy: i8) -> HashBits {
    let mut h = hash;
    move_x(&mut h, dx);
    move_y(&mut h, dy);
    h
}

/// A search shape: a circle of `radius` or a `width` x `height` box, in the query's unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeKind {
    Circle { radius: f64 },
    Box { width: f64, height: f64 },
}

/// A GEOSEARCH shape centred on (longitude, latitude); `conversion` is metres per unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub longitude: f64,
    pub latitude: f64,
    pub conversion: f64,
    pub kind: ShapeKind,
}

/// The cells to scan for a search, in Redis's order: centre, N, S, E, W, NE, NW, SE, SW.
/// Cells that cannot hold a match are zero (skipped).
pub fn search_cells(shape: &Shape) -> [HashBits; 9] {
    let (half_width, half_height, radius_meters) = match shape.kind {
        ShapeKind::Circle { radius } => (radius, radius, radius * shape.conversion),
        ShapeKind::Box { width, height } => (
            width / 2.0,
            height / 2.0,
            ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
                * shape.conversion,
        ),
    };
    let (longitude, latitude) = (shape.longitude, shape.latitude);
    // geohashBoundingBox
    let height = shape.conversion * half_height;
    let width = shape.conversion * half_width;
    let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    let long_delta_top =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude + lat_delta).cos());
    let long_delta_bottom =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude - lat_delta).cos());
    let long_delta = if latitude < 0.0 {
        long_delta_bottom
    } else {
        long_delta_top
    };
    let (min_lon, max_lon) = (longitude - long_delta, longitude + long_delta);
    let (min_lat, max_lat) = (latitude - lat_delta, latitude + lat_delta);

    let mut steps = estimate_steps_by_radius(radius_meters, latitude);
    let encode_at = |steps: u8| {
        encode_wgs84(longitude, latitude, steps).unwrap_or(HashBits {
            bits: 0,
            step: steps,
        })
    };
    let mut hash = encode_at(steps);
    let mut neighbours = neighbours_of(hash);
    let mut area = decode(LONG_RANGE, LAT_RANGE, hash);

    let [north, south, east, west, ..] = neighbours.map(|n| decode(LONG_RANGE, LAT_RANGE, n));
    let decrease_step = north.latitude.max < max_lat
        || south.latitude.min > min_lat
        || east.longitude.max < max_lon
        || west.longitude.min > min_lon;
    if steps > 1 && decrease_step {
        steps -= 1;
        hash = encode_at(steps);
        neighbours = neighbours_of(hash);
        area = decode(LONG_RANGE, LAT_RANGE, hash);
    }

    // Neighbour indexes: 0 N, 1 S, 2 E, 3 W, 4 NE, 5 NW, 6 SE, 7 SW.
    if steps >= 2 {
        let mut clear = |indexes: [usize; 3]| {
            for i in indexes {
                neighbours[i] = HashBits::default();
            }
        };
        if area.latitude.min < min_lat {
            clear([1, 7, 6]);
        }
        if area.latitude.max > max_lat {
            clear([0, 4, 5]);
        }
        if area.longitude.min < min_lon {
            clear([3, 7, 5]);
        }
        if area.longitude.max > max_lon {
            clear([2, 6, 4]);
        }
    }
    let [n, s, e, w, ne, nw, se, sw] = neighbours;
    [hash, n, s, e, w, ne, nw, se, sw]
}

/// The 8 neighbours of a cell: N, S, E, W, NE, NW, SE, SW.
fn neighbours_of(hash: HashBits) -> [HashBits; 8] {
    [
        moved(hash, 0, 1),
        moved(hash, 0, -1),
        moved(hash, 1, 0),
        moved(hash, -1, 0),
        moved(hash, 1, 1),
        moved(hash, -1, 1),
        moved(hash, 1, -1),
        moved(hash, -1, -1),
    ]
}

/// The cell size (bits per coordinate) whose cells cover a radius (geohashEstimateStepsByRadius).
fn estimate_steps_by_radius(range_meters: f64, latitude: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut range = range_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&latitude) {
        step -= 1;
        if !(-80.0..=80.0).contains(&latitude) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

fn deg_rad(angle: f64) -> f64 {
    angle * D_R
}

fn rad_deg(angle: f64) -> f64 {
    angle / D_R
}

/// Distance in metres between two latitudes on the same meridian.
fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// Haversine great-circle distance in metres.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// The distance in metres from the shape's centre to a point, when the point is inside.
pub fn distance_if_within(shape: &Shape, longitude: f64, latitude: f64) -> Option<f64> {
    match shape.kind {
        ShapeKind::Circle { radius } => {
            let d = distance(shape.longitude, shape.latitude, longitude, latitude);
            (d <= radius * shape.conversion).then_some(d)
        }
        ShapeKind::Box { width, height } => {
            let (width_m, height_m) = (width * shape.conversion, height * shape.conversion);
            if lat_distance(latitude, shape.latitude) > height_m / 2.0 {
                return None;
            }
            if distance(longitude, latitude, shape.longitude, latitude) > width_m / 2.0 {
                return None;
            }
            Some(distance(
                shape.longitude,
                shape.latitude,
                longitude,
                latitude,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palermo_scores_decodes_and_hashes_like_redis() {
        let score = score_of(13.361389, 38.115556).unwrap();
        assert_eq!(score, 3479099956230698);
        let (lon, lat) = decode_score(score as f64);
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
        assert_eq!(&standard_geohash(score as f64), b"sqc8b49rny0");
    }

    #[test]
    fn palermo_catania_distance() {
        let (a, b) = (
            decode_score(score_of(13.361389, 38.115556).unwrap() as f64),
            decode_score(score_of(15.087269, 37.502669).unwrap() as f64),
        );
        assert_eq!(
            format!("{:.4}", distance(a.0, a.1, b.0, b.1)),
            "166274.1516"
        );
    }

    #[test]
    fn out_of_range_points_do_not_encode() {
        assert_eq!(score_of(180.1, 0.0), None);
        assert_eq!(score_of(0.0, 85.06), None);
        // The edges encode, overflowing into bit 52/53 as Redis does.
        assert_eq!(score_of(180.0, 0.0), Some(10133099161583616));
        assert_eq!(score_of(0.0, 85.05112878), Some(6755399441055744));
    }

    #[test]
    fn scores_convert_like_c() {
        assert_eq!(double_to_u64(1.5), 1);
        assert_eq!(double_to_u64(-1.0), u64::MAX);
        assert_eq!(double_to_u64(1e19), 10000000000000000000);
    }
}
