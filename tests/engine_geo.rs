//! Geospatial fidelity: GEOADD, GEOPOS, GEODIST, GEOHASH, GEOSEARCH(STORE) and the GEORADIUS
//! family compared byte for byte with a real Redis 7.0 — cities across the globe, points near
//! the poles and the antimeridian, radius and box searches in every unit, and every error.

mod support;

use support::differential::{Differential, RawConn, args_of, check_script};

/// (name, longitude, latitude) of cities on every continent.
const CITIES: &[(&str, f64, f64)] = &[
    ("Palermo", 13.361389, 38.115556),
    ("Catania", 15.087269, 37.502669),
    ("Rome", 12.496366, 41.902782),
    ("Paris", 2.352222, 48.856613),
    ("London", -0.127758, 51.507351),
    ("Reykjavik", -21.942400, 64.146600),
    ("NewYork", -74.005974, 40.712776),
    ("SanFrancisco", -122.419418, 37.774929),
    ("Anchorage", -149.900284, 61.218056),
    ("Honolulu", -157.858337, 21.306944),
    ("MexicoCity", -99.133209, 19.432608),
    ("Lima", -77.042793, -12.046374),
    ("SaoPaulo", -46.633308, -23.550520),
    ("BuenosAires", -58.381592, -34.603722),
    ("Ushuaia", -68.302951, -54.801912),
    ("CapeTown", 18.424055, -33.924870),
    ("Nairobi", 36.821945, -1.292066),
    ("Cairo", 31.235712, 30.044420),
    ("Moscow", 37.617298, 55.755825),
    ("Dubai", 55.270782, 25.204849),
    ("Mumbai", 72.877655, 19.075983),
    ("Singapore", 103.819839, 1.352083),
    ("Beijing", 116.407394, 39.904202),
    ("Tokyo", 139.691711, 35.689487),
    ("Sydney", 151.209290, -33.868820),
    ("Auckland", 174.763336, -36.848461),
    ("Suva", 178.441895, -18.141600),
    ("Apia", -171.751990, -13.833333),
    ("Longyearbyen", 15.635000, 78.223000),
    ("McMurdo", 166.668235, -77.846323),
];

fn geoadd_cities(key: &str) -> String {
    let mut line = format!("GEOADD {key}");
    for (name, lon, lat) in CITIES {
        line.push_str(&format!(" {lon} {lat} {name}"));
    }
    line
}

#[tokio::test]
async fn geoadd_options_and_errors_match_redis() {
    check_script(
        "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
         GEOADD Sicily 13.361389 38.115556 Palermo
         GEOADD Sicily NX 13.5 38.1 Palermo 14 37 Messina
         GEOPOS Sicily Palermo Messina
         GEOADD Sicily XX 13.6 38.2 Palermo 14.5 37 Siracusa
         GEOPOS Sicily Palermo Siracusa
         GEOADD Sicily CH 13.7 38.2 Palermo 15.087269 37.502669 Catania 12.5 37.8 Marsala
         GEOADD Sicily ch nx xx 1 1 a
         GEOADD Sicily XX NX 1 1 a
         GEOADD Sicily NX CH 13.361389 38.115556 Palermo 12 37 Trapani
         GEOADD Sicily XX CH 13.361389 38.115556 Palermo 12 37 Nowhere
         GEOADD fresh XX 1 1 a
         GEOPOS fresh a
         GEOADD Sicily 1 2
         GEOADD Sicily 1 2 a 3
         GEOADD Sicily CH 1 2
         GEOADD Sicily NX CH CH
         GEOADD Sicily GT 1 2 a
         GEOADD Sicily 200 10 a
         GEOADD Sicily 10 90 a
         GEOADD Sicily 10 85.06 a
         GEOADD Sicily -180.000001 0 a
         GEOADD Sicily 1 2 a 10 -86 b
         GEOADD Sicily inf 0 a
         GEOADD Sicily 0 -inf a
         GEOADD Sicily nan 0 a
         GEOADD Sicily abc 0 a
         GEOADD Sicily 1 \"\" a
         GEOADD Sicily \" 1\" 1 a
         GEOADD Sicily 1e400 0 a
         GEOADD Sicily 1e-400 0 a
         GEOADD Sicily 0x10 0 hex
         GEOADD Sicily 1e1 5e0 sci
         GEOPOS Sicily hex sci
         GEOADD Sicily 180 85.05112878 corner -180 -85.05112878 other
         GEOPOS Sicily corner other
         GEOHASH Sicily corner other
         PFADD str a
         GEOADD str 1 1 a
         GEOADD str 1 1
         geoadd Sicily 1 1 lower
         GEOADD
         ",
    )
    .await;
}

#[tokio::test]
async fn geopos_geodist_geohash_match_redis() {
    let mut script = geoadd_cities("world");
    script.push_str(
        "
         GEOPOS world Palermo Catania Nope Tokyo
         GEOPOS world
         GEOPOS missing a b
         GEOPOS missing
         GEODIST world Palermo Catania
         GEODIST world Palermo Catania m
         GEODIST world Palermo Catania km
         GEODIST world Palermo Catania MI
         GEODIST world Palermo Catania ft
         GEODIST world Palermo Palermo
         GEODIST world Palermo Nope
         GEODIST world Nope Palermo km
         GEODIST missing a b
         GEODIST world Palermo Catania yards
         GEODIST missing a b yards
         GEODIST world Palermo Catania km extra
         GEODIST world Palermo
         GEODIST world Suva Apia km
         GEODIST world Longyearbyen McMurdo km
         GEODIST world Ushuaia Anchorage mi
         GEOHASH world Palermo Catania Nope Tokyo Sydney Ushuaia Apia McMurdo Longyearbyen
         GEOHASH world
         GEOHASH missing a
         PFADD str a
         GEOPOS str a
         GEODIST str a b
         GEOHASH str a
         GEODIST str a b parsecs
         ",
    );
    for (a, _, _) in CITIES {
        script.push_str(&format!("GEOPOS world {a}\nGEOHASH world {a}\n"));
        for (b, _, _) in CITIES {
            script.push_str(&format!("GEODIST world {a} {b} km\n"));
        }
    }
    check_script(&script).await;
}

#[tokio::test]
async fn search_errors_match_redis() {
    check_script(
        "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
         PFADD str a
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km
         GEOSEARCH Sicily FROMLONLAT 15 37
         GEOSEARCH Sicily BYRADIUS 200 km ASC
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200
         GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 200 200 km COUNT
         GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 200 km
         GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 200 km
         GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km BYBOX 1 1 km
         GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 1 km BYRADIUS 200 km
         GEOSEARCH Sicily FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 200 km
         GEOSEARCH Sicily FROMMEMBER Nope BYRADIUS 200 km
         GEOSEARCH missing FROMMEMBER Nope BYRADIUS 200 km
         GEOSEARCH missing FROMMEMBER Nope BYRADIUS 200 km WITHDIST
         GEOSEARCH missing FROMLONLAT 200 0 BYRADIUS 200 km
         GEOSEARCH str FROMMEMBER Nope BYRADIUS 200 km
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS abc km
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS -1 km
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 parsec
         GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX abc 1 km
         GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 abc km
         GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km
         GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 km
         GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 parsec
         GEOSEARCH Sicily FROMLONLAT 15 x BYRADIUS 1 km
         GEOSEARCH Sicily FROMLONLAT 15 91 BYRADIUS 1 km
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 0
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT -3
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT x
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE dst
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST
         GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHOUT
         geosearch Sicily FROMLONLAT 15 37 ASC
         GeoSearch Sicily BYRADIUS 200 km
         GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST
         GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD STOREDIST
         GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE x
         GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37
         GEOSEARCHSTORE dst str FROMLONLAT 15 37 BYRADIUS 200 km
         GEOSEARCHSTORE dst missing FROMMEMBER x BYRADIUS 200 km
         GEOSEARCHSTORE dst missing FROMMEMBER x BYRADIUS 200 km WITHHASH
         GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST
         GEORADIUS Sicily 15 37 200 km STOREDIST dst WITHHASH
         GEORADIUS Sicily 15 37 200 km STORE
         GEORADIUS Sicily 15 37 200 km FROMMEMBER Palermo
         GEORADIUS Sicily 15 37 200
         GEORADIUS Sicily 15 37 200 km COUNT 1 ANY DESC
         GEORADIUS Sicily 15 37 200 km ANY
         GEORADIUS Sicily 200 37 200 km
         GEORADIUS Sicily 15 37 abc km
         GEORADIUS missing 15 37 abc km
         GEORADIUS missing 15 37 1 km
         GEORADIUS_RO Sicily 15 37 200 km STORE dst
         GEORADIUS_RO Sicily 15 37 200 km STOREDIST dst
         GEORADIUSBYMEMBER Sicily Nope 200 km
         GEORADIUSBYMEMBER Sicily Palermo abc km
         GEORADIUSBYMEMBER Sicily Palermo 200 parsec
         GEORADIUSBYMEMBER missing Palermo abc km
         GEORADIUSBYMEMBER missing Palermo 1 km STORE dst
         GEORADIUSBYMEMBER missing Palermo 1 km WITHDIST STORE dst
         GEORADIUSBYMEMBER str Palermo 1 km
         GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STORE dst
         GEORADIUSBYMEMBER_RO Sicily Palermo 200 km
         ",
    )
    .await;
}

#[tokio::test]
async fn searches_across_the_globe_match_redis() {
    let mut script = geoadd_cities("world");
    script.push('\n');
    let options = [
        "",
        "ASC",
        "DESC",
        "WITHDIST",
        "WITHCOORD WITHDIST WITHHASH",
        "WITHHASH ASC",
        "COUNT 3",
        "COUNT 3 DESC WITHDIST",
        "COUNT 2 ANY",
        "COUNT 2 ANY ASC WITHCOORD",
        "COUNT 100 DESC",
    ];
    let shapes = [
        "BYRADIUS 200 km",
        "BYRADIUS 2000 km",
        "BYRADIUS 5000 mi",
        "BYRADIUS 10000 km",
        "BYRADIUS 20000 km",
        "BYRADIUS 3000000 ft",
        "BYRADIUS 0 m",
        "BYBOX 400 400 km",
        "BYBOX 4000 1000 km",
        "BYBOX 1000 4000 mi",
        "BYBOX 30000 30000 km",
        "BYBOX 10000000 2000000 ft",
    ];
    for (name, lon, lat) in CITIES.iter().step_by(3) {
        for shape in shapes {
            for option in options {
                script.push_str(&format!(
                    "GEOSEARCH world FROMMEMBER {name} {shape} {option}\n"
                ));
            }
            script.push_str(&format!(
                "GEOSEARCH world FROMLONLAT {lon} {lat} {shape} WITHDIST\n"
            ));
        }
    }
    for (lon, lat) in [
        (0.0, 0.0),
        (180.0, 0.0),
        (-180.0, 0.0),
        (179.9, -16.0),
        (-179.9, -16.0),
        (0.0, 85.05112878),
        (0.0, -85.05112878),
        (100.0, 84.0),
        (-45.0, -80.5),
        (170.0, 70.0),
    ] {
        for shape in shapes {
            script.push_str(&format!(
                "GEOSEARCH world FROMLONLAT {lon} {lat} {shape} WITHDIST WITHCOORD\n"
            ));
            script.push_str(&format!(
                "GEOSEARCH world FROMLONLAT {lon} {lat} {shape} COUNT 4\n"
            ));
        }
    }
    check_script(&script).await;
}

#[tokio::test]
async fn poles_antimeridian_and_duplicates_match_redis() {
    check_script(
        "GEOADD edge 179.999 0 e1 -179.999 0 w1 179.5 1 e2 -179.5 -1 w2 180 0 e180 -180 0 w180
         GEOADD edge 0 85.05 n1 90 85 n2 -90 84.9 n3 180 85.05112878 n4 0 -85.05 s1 45 -85 s2
         GEOADD edge 0 0 o1 0 0 o2 0 0 o3 0 0 o4 0.0001 0 o5 -0.0001 0 o6 0 0.0001 o7 0 -0.0001 o8
         GEOPOS edge e1 w1 e180 w180 n4 s1
         GEOHASH edge e1 w1 e180 w180 n4 s1 o1
         GEODIST edge e1 w1 km
         GEODIST edge e180 w180 km
         GEODIST edge n1 n2 km
         GEODIST edge o1 o2
         GEOSEARCH edge FROMLONLAT 180 0 BYRADIUS 200 km ASC WITHDIST
         GEOSEARCH edge FROMLONLAT -180 0 BYRADIUS 200 km ASC WITHDIST
         GEOSEARCH edge FROMMEMBER e1 BYRADIUS 500 km WITHDIST
         GEOSEARCH edge FROMMEMBER e1 BYBOX 500 500 km DESC
         GEOSEARCH edge FROMMEMBER n1 BYRADIUS 1000 km WITHDIST
         GEOSEARCH edge FROMMEMBER n1 BYBOX 5000 1000 km WITHDIST
         GEOSEARCH edge FROMLONLAT 0 85.05112878 BYRADIUS 3000 km ASC
         GEOSEARCH edge FROMLONLAT 0 -85.05112878 BYRADIUS 3000 km DESC WITHCOORD
         GEOSEARCH edge FROMMEMBER o1 BYRADIUS 100 m
         GEOSEARCH edge FROMMEMBER o1 BYRADIUS 100 m ASC
         GEOSEARCH edge FROMMEMBER o1 BYRADIUS 100 m DESC
         GEOSEARCH edge FROMMEMBER o1 BYRADIUS 100 m COUNT 3
         GEOSEARCH edge FROMMEMBER o1 BYRADIUS 100 m COUNT 5
         GEOSEARCH edge FROMMEMBER o1 BYRADIUS 100 m COUNT 6 DESC
         GEOSEARCH edge FROMMEMBER o1 BYRADIUS 100 m COUNT 2 ANY
         GEOSEARCH edge FROMMEMBER o1 BYBOX 30 30 m WITHDIST
         GEOSEARCH edge FROMMEMBER o1 BYBOX 30 30 m COUNT 7 WITHDIST
         GEOSEARCH edge FROMLONLAT 0 0 BYRADIUS 0 m
         GEOSEARCH edge FROMLONLAT 0 0 BYBOX 0 0 m WITHHASH
         GEOSEARCH edge FROMLONLAT 0 0 BYRADIUS 30000 km COUNT 30 WITHDIST
         GEOSEARCH edge FROMLONLAT 0 0 BYBOX 40000 40000 km DESC
         ",
    )
    .await;
}

#[tokio::test]
async fn store_variants_match_redis() {
    let mut script = geoadd_cities("world");
    script.push_str(
        "
         GEOSEARCHSTORE near world FROMMEMBER Paris BYRADIUS 2000 km
         GEOPOS near Paris London Rome Moscow Tokyo
         GEOSEARCH near FROMMEMBER Paris BYRADIUS 20000 km ASC WITHDIST WITHHASH
         GEOSEARCHSTORE near world FROMMEMBER Paris BYRADIUS 2000 km COUNT 2 DESC
         GEOSEARCH near FROMMEMBER Paris BYRADIUS 20000 km
         GEOSEARCHSTORE near world FROMMEMBER Paris BYRADIUS 2000 km COUNT 3 ANY
         GEOSEARCH near FROMLONLAT 0 0 BYRADIUS 20000 km
         GEOSEARCHSTORE dists world FROMMEMBER Paris BYBOX 4000 4000 km STOREDIST
         GEOPOS dists Paris London Rome
         GEOHASH dists Paris London Rome
         GEOSEARCHSTORE dists world FROMMEMBER Paris BYBOX 4000 4000 mi ASC COUNT 3 STOREDIST
         GEOPOS dists Paris London Rome
         GEOSEARCHSTORE near world FROMLONLAT 0 -60 BYRADIUS 10 km
         GEOPOS near Paris
         GEOSEARCHSTORE near missing FROMLONLAT 0 -60 BYRADIUS 10 km
         GEORADIUS world 2 48 1000 km STORE r1
         GEOPOS r1 Paris London
         GEORADIUS world 2 48 1000 km STOREDIST r2 COUNT 1
         GEOPOS r2 Paris London
         GEORADIUS world 2 48 1000 km
         GEORADIUS world 2 48 1000 km WITHDIST WITHCOORD ASC
         GEORADIUS_RO world 2 48 3000 km WITHDIST DESC COUNT 3
         GEORADIUSBYMEMBER world Tokyo 3000 km WITHDIST ASC
         GEORADIUSBYMEMBER world Tokyo 3000 km STORE r3
         GEORADIUSBYMEMBER_RO world Tokyo 5000 mi WITHHASH COUNT 2 ANY
         GEORADIUSBYMEMBER world Nowhere 3000 km
         GEORADIUS world 2 48 1 m STORE r1
         GEOPOS r1 Paris
         GEOSEARCHSTORE world world FROMMEMBER Sydney BYRADIUS 3000 km
         GEOPOS world Sydney Auckland Paris
         ",
    );
    check_script(&script).await;
}

/// A small deterministic generator, so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, min: f64, max: f64) -> f64 {
        min + self.next() * (max - min)
    }
}

#[tokio::test]
async fn random_points_and_searches_match_redis() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let mut rng = Lcg(7);
    // Dense clusters and scattered points, batched 50 per GEOADD.
    for batch in 0..60 {
        let (clon, clat, spread) = if batch % 3 == 0 {
            (0.0, 0.0, 180.0)
        } else {
            (
                rng.range(-170.0, 170.0),
                rng.range(-80.0, 80.0),
                rng.range(0.01, 5.0),
            )
        };
        let mut line = String::from("GEOADD pts");
        for i in 0..50 {
            let lon = (clon + rng.range(-spread, spread)).clamp(-180.0, 180.0);
            let lat = (clat + rng.range(-spread, spread)).clamp(-85.05, 85.05);
            line.push_str(&format!(" {lon:.6} {lat:.6} p{batch}_{i}"));
        }
        d.same(&line).await;
    }
    let units = ["m", "km", "mi", "ft"];
    for round in 0..400 {
        let member = format!("p{}_{}", round % 60, round % 50);
        let unit = units[round % 4];
        let scale = match unit {
            "m" => 1000.0,
            "km" => 1.0,
            "mi" => 0.621371,
            _ => 3280.84,
        };
        let radius = rng.range(1.0, 3000.0) * scale;
        let width = rng.range(1.0, 4000.0) * scale;
        let height = rng.range(1.0, 4000.0) * scale;
        let lon = rng.range(-180.0, 180.0);
        let lat = rng.range(-85.0, 85.0);
        let tail = match round % 5 {
            0 => "",
            1 => "ASC WITHDIST",
            2 => "DESC WITHCOORD WITHHASH",
            3 => "COUNT 7 WITHDIST",
            _ => "COUNT 5 ANY",
        };
        d.same(&format!(
            "GEOSEARCH pts FROMMEMBER {member} BYRADIUS {radius:.3} {unit} {tail}"
        ))
        .await;
        d.same(&format!(
            "GEOSEARCH pts FROMLONLAT {lon:.5} {lat:.5} BYBOX {width:.3} {height:.3} {unit} {tail}"
        ))
        .await;
        d.same(&format!(
            "GEOSEARCH pts FROMLONLAT {lon:.5} {lat:.5} BYRADIUS {radius:.3} {unit} {tail}"
        ))
        .await;
        if round % 20 == 0 {
            d.same(&format!(
                "GEOSEARCHSTORE st pts FROMMEMBER {member} BYRADIUS {radius:.3} {unit} COUNT 20 STOREDIST"
            ))
            .await;
            d.same(&format!("GEODIST pts {member} p0_0 {unit}")).await;
            d.same(&format!("GEOHASH pts {member} p1_1 p2_2")).await;
            d.same(&format!("GEOPOS pts {member} p3_3")).await;
        }
    }
}

#[tokio::test]
async fn geo_sets_are_sorted_sets_like_in_redis() {
    let mut script = geoadd_cities("world");
    script.push_str(
        "
         TYPE world
         ZCARD world
         ZSCORE world Palermo
         ZRANGE world 0 -1 WITHSCORES
         OBJECT ENCODING world
         GEOSEARCHSTORE near world FROMMEMBER Paris BYRADIUS 3000 km STOREDIST
         ZRANGE near 0 -1 WITHSCORES
         OBJECT ENCODING near
         GEOSEARCHSTORE near world FROMMEMBER Paris BYRADIUS 3000 km COUNT 4
         ZRANGE near 0 -1 WITHSCORES
         GEORADIUSBYMEMBER world Tokyo 9000 km STOREDIST far
         ZRANGE far 0 -1 WITHSCORES
         GEOSEARCHSTORE near world FROMMEMBER Paris BYRADIUS 1 m
         ZRANGE near 0 -1 WITHSCORES
         EXISTS near
         SET plain x
         GEOSEARCHSTORE plain world FROMMEMBER Paris BYRADIUS 1 km
         TYPE plain
         EXPIRE far 100
         GEOSEARCHSTORE far world FROMMEMBER Tokyo BYRADIUS 100 km
         TTL far
         ZADD odd -1 neg 0 zero 1.5 frac 1e300 huge inf top -inf bottom 4503599627370496 two52
         ZADD odd 9007199254740992 two53 18014398509481984 two54 3479099956230698.5 half
         GEOPOS odd neg zero frac huge top bottom two52 two53 two54 half
         GEOHASH odd neg zero frac huge top bottom two52 two53 two54 half
         GEODIST odd zero frac
         GEODIST odd neg top km
         GEOSEARCH odd FROMMEMBER zero BYRADIUS 20000 km WITHHASH WITHCOORD
         GEOSEARCH odd FROMMEMBER frac BYBOX 100 100 km WITHHASH
         GEOADD odd 13.361389 38.115556 zero
         ZSCORE odd zero
         GEOADD odd XX CH 13.361389 38.115556 zero 1 1 neg
         ZSCORE odd neg
         ",
    );
    // A sorted set large enough to be a skiplist in Redis.
    let mut line = String::from("GEOADD many");
    for i in 0..300 {
        line.push_str(&format!(
            " {:.4} {:.4} m{i}",
            -170.0 + (i as f64) * 1.13,
            -80.0 + (i as f64) * 0.53
        ));
    }
    script.push_str(&line);
    script.push_str(
        "
         OBJECT ENCODING many
         GEOSEARCH many FROMMEMBER m150 BYRADIUS 2000 km WITHDIST
         GEOSEARCHSTORE sub many FROMMEMBER m150 BYRADIUS 2000 km
         OBJECT ENCODING sub
         ZRANGE sub 0 -1 WITHSCORES
         ",
    );
    check_script(&script).await;
}

#[tokio::test]
async fn extreme_shapes_match_redis() {
    let mut script = geoadd_cities("world");
    script.push_str(
        "
         GEOADD world 0 85.05 np 0 -85.05 sp 179.99 84 ne -179.99 -84 sw
         ",
    );
    for center in [
        "FROMLONLAT 0 85.05112878",
        "FROMLONLAT 0 -85.05112878",
        "FROMLONLAT 180 85",
        "FROMLONLAT -180 -85",
        "FROMLONLAT 90 66.5",
        "FROMLONLAT -90 -80.5",
        "FROMMEMBER np",
        "FROMMEMBER McMurdo",
    ] {
        for shape in [
            "BYRADIUS 0 m",
            "BYRADIUS 0.001 m",
            "BYRADIUS 1e-300 m",
            "BYRADIUS 500 km",
            "BYRADIUS 5000 km",
            "BYRADIUS 19000 km",
            "BYRADIUS 100000 km",
            "BYRADIUS 1e30 m",
            "BYRADIUS inf m",
            "BYBOX 0 0 m",
            "BYBOX 1000 10 km",
            "BYBOX 10 1000 km",
            "BYBOX 5000 5000 km",
            "BYBOX 20000 20000 km",
            "BYBOX 1e30 1e30 m",
            "BYBOX inf 1 m",
            "BYBOX 1 inf m",
            "BYBOX 40075 1 km",
        ] {
            script.push_str(&format!("GEOSEARCH world {center} {shape} ASC WITHDIST\n"));
            script.push_str(&format!("GEOSEARCH world {center} {shape}\n"));
            script.push_str(&format!("GEOSEARCH world {center} {shape} COUNT 3 ANY\n"));
        }
    }
    check_script(&script).await;
}

/// The keyspace_hits and keyspace_misses lines of an INFO stats reply.
fn hit_counters(info: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(info)
        .lines()
        .filter(|l| l.starts_with("keyspace_hits:") || l.starts_with("keyspace_misses:"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn reads_count_keyspace_hits_and_misses_like_redis() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    for line in [
        "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        "GEOADD g XX 13.361389 38.115556 Palermo",
        "GEOPOS g Palermo",
        "GEOPOS nog Palermo",
        "GEODIST g Palermo Catania",
        "GEODIST nog Palermo Catania",
        "GEOHASH g Palermo",
        "GEOHASH nog Palermo",
        "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 10 km",
        "GEOSEARCH nog FROMMEMBER Palermo BYRADIUS 10 km",
        "GEOSEARCHSTORE dst g FROMMEMBER Palermo BYRADIUS 10 km",
        "GEORADIUS g 15 37 200 km",
        "GEORADIUSBYMEMBER_RO nog Palermo 200 km",
        "PFADD h a b",
        "PFADD h2 c",
        "PFCOUNT h",
        "PFCOUNT noh",
        "PFCOUNT h h2 noh",
        "PFMERGE h3 h h2 noh",
        "PFMERGE h h2",
        "PFDEBUG ENCODING h",
    ] {
        d.same(line).await;
        let (real, engine) = d.both("INFO stats").await;
        assert_eq!(
            hit_counters(&engine),
            hit_counters(&real),
            "keyspace counters after {line}: engine (left) vs real Redis (right)"
        );
    }
}

/// Waits until a server reports `count` blocked clients (checked over `conn`).
async fn wait_for_blocked(conn: &mut RawConn, count: usize) {
    let wanted = format!("blocked_clients:{count}");
    for _ in 0..1000 {
        let info = conn.request(&args_of("INFO clients")).await;
        if String::from_utf8_lossy(&info).contains(&wanted) {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the server never reported {wanted}");
}

#[tokio::test]
async fn new_geo_sets_wake_blocked_zset_pops_like_redis() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let mut real_waiter = RawConn::connect(d.real.addr()).await;
    let mut engine_waiter = RawConn::connect(d.engine.addr()).await;
    for (wait, write) in [
        ("BZPOPMIN g 0", "GEOADD g 13.361389 38.115556 Palermo"),
        (
            "BZPOPMAX near 0",
            "GEOSEARCHSTORE near world FROMLONLAT 15 37 BYRADIUS 300 km STOREDIST",
        ),
        ("BZPOPMIN r 0", "GEORADIUS world 15 37 300 km STORE r"),
    ] {
        d.same("GEOADD world 13.361389 38.115556 Palermo 15.087269 37.502669 Catania")
            .await;
        real_waiter.send(&args_of(wait)).await;
        engine_waiter.send(&args_of(wait)).await;
        wait_for_blocked(&mut d.real_conn, 1).await;
        wait_for_blocked(&mut d.engine_conn, 1).await;
        d.same(write).await;
        let real = real_waiter.read_raw().await.expect("a reply");
        let engine = engine_waiter.read_raw().await.expect("a reply");
        assert_eq!(
            String::from_utf8_lossy(&engine),
            String::from_utf8_lossy(&real),
            "{wait} then {write}: engine (left) vs real Redis (right)"
        );
    }
}
