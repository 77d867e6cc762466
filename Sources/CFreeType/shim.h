// FreeType 2 (Debian's libfreetype-dev) as a Swift module: the font rasteriser that draws text into PNG plots.
#include <ft2build.h>
#include FT_FREETYPE_H
