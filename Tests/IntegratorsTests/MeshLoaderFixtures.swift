// MeshLoaderFixtures: mesh files and what Mitsuba 3.9.1 (scalar_rgb) loads from them, for MeshLoaderTests.
//
// Generated once with Mitsuba 3.9.1: each file written here was loaded with mi.load_dict({"type": ..., "filename": ...})
// and mi.traverse read back vertex_positions, vertex_normals, vertex_texcoords and faces. The tests never need Mitsuba.

import Foundation

/// Mesh files and Mitsuba's buffers for them.
enum MeshLoaderFixtures {
    /// What Mitsuba stores for one mesh: flat positions, normals, texcoords and triangle indices.
    struct Expected { let positions: [Float]; let normals: [Float]; let texcoords: [Float]; let faces: [UInt32] }

    /// to_world used by the transformed cases: translate(1, 2, 3) * rotate((0, 0.6, 0.8), 30 degrees) * scale(2, 1, 0.5), row-major.
    static let toWorld: [Float] = [1.7320507764816284, -0.4000000059604645, 0.15000000596046448, 1.0, 0.800000011920929, 0.9142562747001648, 0.0321539081633091, 2.0, -0.6000000238418579, 0.0643078163266182, 0.4758845865726471, 3.0, 0.0, 0.0, 0.0, 1.0]
    static let objA = """
# pentagon + quad + triangle; texcoords, no normals
o thing
v 0 0 0
v 1 0 0
v 1.5 0.8 0.1
v 0.5 1.4 0.2
v -0.5 0.8 0
v 2 0 -1
v 2 1 -1.5
vt 0 0
vt 1 0
vt 1 1
vt 0 1
usemtl red
s 1
f 1/1 2/2 3/3 4/4 5/1
g quad
f 2/2 6/3 7/4 3/3
f 1/1 2/2 3/4
"""
    static let objB = """
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0
v 0.5 0.5 1
vn 0 0 -1
vn 0 0.2 1
vn 1 1 1
vt 0.25 0.75
vt 0.5 0.5
f 1//1 2//1 3//1
f 1//1 3//1 4//1
f 1/1/2 2/2/3 5/1/2
f -4/1/-1 -3/2/-2 -1/2/-3
"""
    static let objBPositive = """
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0
v 0.5 0.5 1
vn 0 0 -1
vn 0 0.2 1
vn 1 1 1
vt 0.25 0.75
vt 0.5 0.5
f 1//1 2//1 3//1
f 1//1 3//1 4//1
f 1/1/2 2/2/3 5/1/2
f 2/1/3 3/2/2 5/2/1
"""
    static let plyA = """
ply
format ascii 1.0
comment pyramid without normals, texcoords named s and t
element vertex 5
property float x
property float y
property float z
property float s
property float t
element face 6
property list uchar int vertex_indices
element edge 2
property int vertex1
property int vertex2
end_header
0 0 0 0 0
1 0 0 1 0
1 1 0 1 1
0 1 0 0 1
0.5 0.5 0.8 0.5 0.5
3 0 2 1
3 0 3 2
3 0 1 4
3 1 2 4
3 2 3 4
3 3 0 4
0 1
1 2
"""
    // Computed, not stored globals: a global Data holds its bytes through a packed enum payload that
    // LeakSanitizer does not recognise as a pointer, so it reported them as leaks at exit.
    static var plyB: Data { Data(base64Encoded: "cGx5CmZvcm1hdCBiaW5hcnlfYmlnX2VuZGlhbiAxLjAKZWxlbWVudCB2ZXJ0ZXggNApwcm9wZXJ0eSBkb3VibGUgeApwcm9wZXJ0eSBmbG9hdCB5CnByb3BlcnR5IGZsb2F0IHoKcHJvcGVydHkgZmxvYXQgbngKcHJvcGVydHkgZmxvYXQgbnkKcHJvcGVydHkgZmxvYXQgbnoKcHJvcGVydHkgZmxvYXQgdGV4dHVyZV91CnByb3BlcnR5IGZsb2F0IHRleHR1cmVfdgpwcm9wZXJ0eSBsaXN0IHVjaGFyIGZsb2F0IGV4dHJhCmVsZW1lbnQgZmFjZSAyCnByb3BlcnR5IGludCBmbGFncwpwcm9wZXJ0eSBsaXN0IGludCB1aW50IHZlcnRleF9pbmRleAplbmRfaGVhZGVyCgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD+AAAAAAAAAAAAAAAM/gAAAQAAAAEBAAAA/8AAAAAAAAAAAAAAAAAAAAAAAAD8ZmZo/TMzNP4AAAAAAAAADP4AAAEAAAABAQAAAP/AAAAAAAAA/gAAAPoAAAAAAAAAAAAAAQAAAAD+AAAA/gAAAAz+AAABAAAAAQEAAAAAAAAAAAAAAP4AAAAAAAAA/gAAAAAAAAD+AAAAAAAAAP4AAAAM/gAAAQAAAAEBAAAAAAAAHAAAAAwAAAAAAAAABAAAAAgAAAAcAAAADAAAAAAAAAAIAAAAD")! }
    static var serializedV4: Data { Data(base64Encoded: "HAQEAHicYxBgYEjLLCouYWBmgABGBmygwR4XH6SeCYgBvqoDvhwEBAB4nGMWYGAoTk3Oz0thYGGAACYGrMABld1gj+CC2eh8KA3DyOK42JhqGZHcA6KZgRgAjQ8MURwEBAB4nGMSYGAoycgsSmFgYYAAZgZsoMEelQ3DyHwGMD575ozt2TM+drNmzrQDsu3S0tKAYj5gtYxAzAQ1hQlqFyMSGwBHdxRCAAAAAAAAAAAlAAAAAAAAAF4AAAAAAAAAAwAAAA==")! }
    static var serializedV3: Data { Data(base64Encoded: "HAQDAHicY1BgYGBmgABGBmLAB3tS5EFmMgExAGhWAoYcBAMAeJxjUmBgYGGAAGYGYsAHe/zi6DQu+QdwetZMENgJpU/aG4PBZSj/pv3ZMyDwBsp/CdbHCMRMUJOZoG5nRGIDAMP1JGQcBAMAeJxjVmBgYGGAACYGooADfvEP9tilYeIPCMij89FpXOpJFcdvLiMDIjxANDMQAwDSHBAFAAAAACAAAABoAAAAAwAAAA==")! }
    static let objAExpected = Expected(
        positions: [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.5, 0.800000011920929, 0.10000000149011612, 0.5, 1.399999976158142, 0.20000000298023224, -0.5, 0.800000011920929, 0.0, 2.0, 0.0, -1.0, 2.0, 1.0, -1.5, 1.5, 0.800000011920929, 0.10000000149011612],
        normals: [-0.04634247347712517, -0.11848881095647812, 0.9918733835220337, 0.22850027680397034, -0.17189382016658783, 0.958248496055603, 0.5461481213569641, -0.43648412823677063, 0.7149853110313416, -0.04004288092255592, -0.12727874517440796, 0.991058349609375, -0.143360897898674, -0.08960055559873581, 0.9856060743331909, 0.6666666269302368, 0.3333333134651184, 0.6666666269302368, 0.8370838165283203, -0.016861632466316223, 0.5468147397041321, 0.0, -0.12403473258018494, 0.9922778606414795],
        texcoords: [0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        faces: [0, 1, 2, 0, 2, 3, 0, 3, 4, 1, 5, 6, 1, 6, 2, 0, 1, 7])
    static let objAFaceNormalsExpected = Expected(
        positions: [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.5, 0.800000011920929, 0.10000000149011612, 0.5, 1.399999976158142, 0.20000000298023224, -0.5, 0.800000011920929, 0.0, 2.0, 0.0, -1.0, 2.0, 1.0, -1.5, 1.5, 0.800000011920929, 0.10000000149011612],
        normals: [],
        texcoords: [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0],
        faces: [0, 1, 2, 0, 2, 3, 0, 3, 4, 1, 5, 6, 1, 6, 2, 0, 1, 7])
    // Vertices 0-3 have no vt: Mitsuba leaves their texcoords uninitialised; Refract writes (0, 0).
    static let objBExpected = Expected(
        positions: [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.5, 0.5, 1.0],
        normals: [0.0, 0.0, -1.0, 0.0, 0.0, -1.0, 0.0, 0.0, -1.0, 0.0, 0.0, -1.0, 0.0, 0.1961161345243454, 0.9805806875228882, 0.5773502588272095, 0.5773502588272095, 0.5773502588272095, 0.0, 0.1961161345243454, 0.9805806875228882, 0.5773502588272095, 0.5773502588272095, 0.5773502588272095, 0.0, 0.1961161345243454, 0.9805806875228882, 0.0, 0.0, -1.0],
        texcoords: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.25, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5],
        faces: [0, 1, 2, 0, 2, 3, 4, 5, 6, 7, 8, 9])
    // As objBExpected, vertices 0-3 get (0, 0) texcoords.
    static let objBTransformedExpected = Expected(
        positions: [1.0, 2.0, 3.0, 2.732050895690918, 2.799999952316284, 2.4000000953674316, 2.3320508003234863, 3.7142562866210938, 2.464308023452759, 0.6000000238418579, 2.9142563343048096, 3.064307928085327, 1.0, 2.0, 3.0, 2.732050895690918, 2.799999952316284, 2.4000000953674316, 1.8160253763198853, 2.889281988143921, 3.208038568496704, 2.732050895690918, 2.799999952316284, 2.4000000953674316, 2.3320508003234863, 3.7142562866210938, 2.464308023452759, 1.8160253763198853, 2.889281988143921, 3.208038568496704],
        normals: [-0.30000001192092896, -0.0643078163266182, -0.951769232749939, -0.30000001192092896, -0.0643078163266182, -0.951769232749939, -0.30000001192092896, -0.0643078163266182, -0.951769232749939, -0.30000001192092896, -0.0643078163266182, -0.951769232749939, 0.2587096393108368, 0.15496055781841278, 0.9534444808959961, 0.27626940608024597, 0.5424337387084961, 0.7933731079101562, 0.2587096393108368, 0.15496055781841278, 0.9534444808959961, 0.27626940608024597, 0.5424337387084961, 0.7933731079101562, 0.2587096393108368, 0.15496055781841278, 0.9534444808959961, -0.30000001192092896, -0.0643078163266182, -0.951769232749939],
        texcoords: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25, 0.25, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5],
        faces: [0, 1, 2, 0, 2, 3, 4, 5, 6, 7, 8, 9])
    static let plyAExpected = Expected(
        positions: [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.5, 0.5, 0.800000011920929],
        normals: [-0.6724711060523987, -0.6724711060523987, -0.30913659930229187, 0.6724710464477539, -0.6724710464477539, -0.3091367483139038, 0.6724711060523987, 0.6724711060523987, -0.30913659930229187, -0.6724710464477539, 0.6724710464477539, -0.3091367483139038, 1.2454802522654518e-08, -1.2454802522654518e-08, 1.0],
        texcoords: [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.5],
        faces: [0, 2, 1, 0, 3, 2, 0, 1, 4, 1, 2, 4, 2, 3, 4, 3, 0, 4])
    static let plyATransformedExpected = Expected(
        positions: [1.0, 2.0, 3.0, 2.732050895690918, 2.799999952316284, 2.4000000953674316, 2.3320508003234863, 3.7142562866210938, 2.464308023452759, 0.6000000238418579, 2.9142563343048096, 3.064307928085327, 1.7860254049301147, 2.8828513622283936, 3.1128616333007812],
        normals: [-0.43928292393684387, -0.8960193991661072, 0.06465129554271698, 0.8740161061286926, -0.28943267464637756, -0.3902879059314728, 0.3625592887401581, 0.8795730471611023, -0.30806148052215576, -0.9507390856742859, 0.27298635244369507, 0.14687936007976532, 0.2999999225139618, 0.0643077865242958, 0.9517691731452942],
        texcoords: [0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.5, 0.5],
        faces: [0, 2, 1, 0, 3, 2, 0, 1, 4, 1, 2, 4, 2, 3, 4, 3, 0, 4])
    static let plyBExpected = Expected(
        positions: [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.25, 0.0, 1.0, 0.0],
        normals: [0.0, 0.0, 1.0, 0.0, 0.6000000238418579, 0.800000011920929, 0.0, 0.0, 1.0, 0.7071067690849304, 0.0, 0.7071067690849304],
        texcoords: [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0],
        faces: [0, 1, 2, 0, 2, 3])
    static let serializedV4Shape1Expected = Expected(
        positions: [0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 2.0, 1.0, 0.0, 0.0, 1.0, 0.5],
        normals: [0.0, 0.0, 1.0, 0.0, 0.7071067690849304, 0.7071067690849304, 0.7071067690849304, 0.0, 0.7071067690849304, 0.0, 0.0, 1.0],
        texcoords: [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0],
        faces: [0, 1, 2, 0, 2, 3])
    static let serializedV4Shape2Expected = Expected(
        positions: [1.0, 2.0, 3.0, 2.732050895690918, 2.799999952316284, 2.4000000953674316, 2.482050895690918, 3.7464101314544678, 2.940192699432373, 0.75, 2.9464101791381836, 3.5401926040649414],
        normals: [0.44721364974975586, -0.3513493835926056, 0.8225288391113281, 0.4472135901451111, -0.3513493537902832, 0.8225288391113281, 0.4472135603427887, -0.3513493537902832, 0.8225287795066833, 0.4472135901451111, -0.3513493537902832, 0.8225287199020386],
        texcoords: [0.5, 0.5, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896, 0.4000000059604645, 0.8999999761581421, 0.800000011920929],
        faces: [0, 1, 2, 0, 2, 3, 1, 2, 3])
    static let serializedV3Shape0Expected = Expected(
        positions: [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        normals: [0.0, 0.0, 0.9999999403953552, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0],
        texcoords: [],
        faces: [0, 1, 2])
    static let serializedV3Shape2Expected = Expected(
        positions: [0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 2.0, 1.0, 0.0, 0.0, 1.0, 0.5],
        normals: [0.0, 0.0, 1.0, 0.0, 0.7071067690849304, 0.7071067690849304, 0.7071067690849304, 0.0, 0.7071067690849304, 0.0, 0.0, 1.0],
        texcoords: [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0],
        faces: [0, 1, 2, 0, 2, 3])
}
