# Writes meshes/*.obj, the original Cornell box of cbox.xml (numpy only); its outputs are committed, rerun only to change them.
"""Geometry: room x in [-1, 1], y in [0, 2] (up), z in [-1, 1], open towards +z where the camera stands.

Every face is a planar quad wound counter-clockwise seen from the side its normal points to (walls into the
room, boxes outwards, the luminaire down), so Mitsuba's geometric normal cross(p1 - p0, p2 - p0) agrees with
the `vn` lines. Quads are written as 4-corner `f v/vt/vn` statements (the loader fan-triangulates them); the
luminaire is written as two triangles so that both kinds of face occur.

Use:  python3 make_cbox.py   (writes next to this file, in meshes/)
"""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
UV = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)


def quad(corners, normal):
    """Four coplanar corners in any cyclic order, turned so that their winding faces `normal`."""
    c = np.asarray(corners, dtype=float)
    n = np.asarray(normal, dtype=float)
    n = n / np.linalg.norm(n)
    w = np.cross(c[1] - c[0], c[2] - c[0])
    if np.dot(w, n) < 0:
        c = c[::-1]
        w = np.cross(c[1] - c[0], c[2] - c[0])
    assert np.allclose(w / np.linalg.norm(w), n, atol=1e-9), (corners, normal)
    assert abs(np.dot(c[3] - c[0], n)) < 1e-9, 'corners not coplanar'
    return c, n


def write_obj(name, quads, triangles=False):
    """One OBJ: each quad gets its own 4 v, 4 vt and 1 vn (flat shading)."""
    lines = [f'# {name}: part of the Refract Cornell box (make_cbox.py)']
    faces = []
    for q, (c, n) in enumerate(quads):
        lines += [f'v {p[0]:.6f} {p[1]:.6f} {p[2]:.6f}' for p in c]
        lines += [f'vt {t[0]:.6f} {t[1]:.6f}' for t in UV]
        lines.append(f'vn {n[0]:.6f} {n[1]:.6f} {n[2]:.6f}')
        i = [4 * q + k + 1 for k in range(4)]
        corner = lambda k: f'{i[k]}/{i[k]}/{q + 1}'
        if triangles:
            faces.append(f'f {corner(0)} {corner(1)} {corner(2)}')
            faces.append(f'f {corner(0)} {corner(2)} {corner(3)}')
        else:
            faces.append('f ' + ' '.join(corner(k) for k in range(4)))
    path = os.path.join(HERE, 'meshes', name + '.obj')
    with open(path, 'w') as f:
        f.write('\n'.join(lines + faces) + '\n')
    return path


def box(center, size, angle_deg):
    """The five visible faces (no bottom) of a box standing on the floor, turned by angle_deg about +y."""
    sx, sy, sz = size
    a = np.radians(angle_deg)
    rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    corner = lambda x, y, z: rot @ np.array([x * sx / 2, y * sy, z * sz / 2]) + np.asarray(center)
    faces = [
        ([corner(-1, 1, -1), corner(1, 1, -1), corner(1, 1, 1), corner(-1, 1, 1)], (0, 1, 0)),    # top
        ([corner(-1, 0, 1), corner(1, 0, 1), corner(1, 1, 1), corner(-1, 1, 1)], (0, 0, 1)),      # front
        ([corner(-1, 0, -1), corner(1, 0, -1), corner(1, 1, -1), corner(-1, 1, -1)], (0, 0, -1)), # back
        ([corner(1, 0, -1), corner(1, 0, 1), corner(1, 1, 1), corner(1, 1, -1)], (1, 0, 0)),      # right
        ([corner(-1, 0, -1), corner(-1, 0, 1), corner(-1, 1, 1), corner(-1, 1, -1)], (-1, 0, 0)), # left
    ]
    return [quad(c, rot @ np.array(n, dtype=float)) for c, n in faces]


def main():
    os.makedirs(os.path.join(HERE, 'meshes'), exist_ok=True)
    L, H = 1.0, 2.0
    walls = {
        'floor': ([(-L, 0, -L), (L, 0, -L), (L, 0, L), (-L, 0, L)], (0, 1, 0)),
        'ceiling': ([(-L, H, -L), (L, H, -L), (L, H, L), (-L, H, L)], (0, -1, 0)),
        'back': ([(-L, 0, -L), (L, 0, -L), (L, H, -L), (-L, H, -L)], (0, 0, 1)),
        'redwall': ([(-L, 0, -L), (-L, 0, L), (-L, H, L), (-L, H, -L)], (1, 0, 0)),
        'greenwall': ([(L, 0, -L), (L, 0, L), (L, H, L), (L, H, -L)], (-1, 0, 0)),
    }
    for name, (corners, normal) in walls.items():
        write_obj(name, [quad(corners, normal)])
    write_obj('tallbox', box(center=(-0.36, 0, -0.32), size=(0.56, 1.2, 0.56), angle_deg=17))
    write_obj('shortbox', box(center=(0.36, 0, 0.30), size=(0.56, 0.6, 0.56), angle_deg=-16))
    y = H - 0.01  # luminaire just below the ceiling, facing down
    write_obj('light', [quad([(-0.25, y, -0.22), (0.25, y, -0.22), (0.25, y, 0.22), (-0.25, y, 0.22)], (0, -1, 0))],
              triangles=True)


if __name__ == '__main__':
    main()
