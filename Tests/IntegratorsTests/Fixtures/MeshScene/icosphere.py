"""The unit icosphere of the mesh fixtures (make_mesh_scene.py's ball) and of scripts/side-by-side.sh's mid-size scene."""
import math


def icosphere(subdivisions):
    """Vertices (unit-length tuples) and faces (index triples) of an icosahedron split `subdivisions` times."""
    t = (1 + 5 ** 0.5) / 2
    unit = lambda p: tuple(c / math.sqrt(sum(c * c for c in p)) for c in p)
    vertices = [unit(p) for p in [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t),
                                  (0, -1, -t), (0, 1, -t), (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]]
    faces = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2), (10, 7, 6),
             (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11), (6, 2, 10),
             (8, 6, 7), (9, 8, 1)]
    for _ in range(subdivisions):
        middles, split = {}, []

        def middle(a, b):
            key = (min(a, b), max(a, b))
            if key not in middles:
                vertices.append(unit(tuple(x + y for x, y in zip(vertices[a], vertices[b]))))
                middles[key] = len(vertices) - 1
            return middles[key]

        for a, b, c in faces:
            ab, bc, ca = middle(a, b), middle(b, c), middle(c, a)
            split += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = split
    return vertices, faces


def write_ply(path, vertices, faces, comment=None):
    """A binary little-endian PLY of float positions with the same values as normals (a unit sphere's)."""
    import struct
    with open(path, "wb") as out:
        out.write(("ply\nformat binary_little_endian 1.0\n" + (f"comment {comment}\n" if comment else "")
                   + f"element vertex {len(vertices)}\nproperty float x\nproperty float y\nproperty float z\n"
                   "property float nx\nproperty float ny\nproperty float nz\n"
                   f"element face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n").encode())
        out.write(b"".join(struct.pack("<6f", *p, *p) for p in vertices))
        out.write(b"".join(struct.pack("<B3i", 3, *f) for f in faces))
