/* PDQ and MD5 in the browser, for the take-it-down page (issue #22, items 5 and 7).

   PDQ follows Meta's reference algorithm (facebook/ThreatExchange, pdq/cpp: pdqhashing.cpp and
   downscaling.cpp; BSD licence), written here for Karpear: luminance 0.299 R + 0.587 G +
   0.114 B of every pixel at full size; two X,Y passes of Jarosz box filters with the window
   (dim + 127) / 128; decimation to 64x64 at the cell centres; the quality metric from gradients;
   the 16x16 low-frequency DCT block; one bit per coefficient above the median (Torben's, i.e.
   the 128th smallest). Sums are rounded to 32-bit floats as the C++ does. The hex is the
   reference's: sixteen 16-bit words, the last first.
   tests/browser/test_take_it_down_conformance.py holds it within 10 bits of the reference on
   every image of the shared test data.

   MD5 is RFC 1321 over the file's bytes, so it equals the reference exactly. */
(function (root) {
  "use strict";
  var f32 = Math.fround;

  function windowSize(dimension) {
    return Math.floor((dimension + 2 * 64 - 1) / (2 * 64));
  }

  function box1D(input, output, offset, length, stride, full) {
    var half = Math.floor((full + 2) / 2);
    var phase1 = half - 1, phase2 = full - half + 1, phase3 = length - full, phase4 = half - 1;
    var li = offset, ri = offset, oi = offset, sum = 0, size = 0, i;
    for (i = 0; i < phase1; i++) { sum = f32(sum + input[ri]); size++; ri += stride; }
    for (i = 0; i < phase2; i++) {
      sum = f32(sum + input[ri]); size++; output[oi] = sum / size; ri += stride; oi += stride;
    }
    for (i = 0; i < phase3; i++) {
      sum = f32(f32(sum + input[ri]) - input[li]); output[oi] = sum / size;
      li += stride; ri += stride; oi += stride;
    }
    for (i = 0; i < phase4; i++) {
      sum = f32(sum - input[li]); size--; output[oi] = sum / size; li += stride; oi += stride;
    }
  }

  function luma(rgba, count) {
    var out = new Float32Array(count), i, p;
    for (i = 0, p = 0; i < count; i++, p += 4) {
      out[i] = rgba[p] * 0.299 + rgba[p + 1] * 0.587 + rgba[p + 2] * 0.114;
    }
    return out;
  }

  var DCT = (function () {
    var d = [], i, j, row, scale = Math.sqrt(2 / 64);
    for (i = 0; i < 16; i++) {
      row = new Float64Array(64);
      for (j = 0; j < 64; j++) { row[j] = f32(scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1))); }
      d.push(row);
    }
    return d;
  })();

  /* PDQ of an RGBA pixel buffer (ImageData.data): {hash: 64 hex chars, quality: 0-100}. */
  function pdqFromRGBA(rgba, width, height) {
    var rows = height, cols = width, i, j, k, r, c;
    var buffer1 = luma(rgba, rows * cols), buffer2 = new Float32Array(rows * cols);
    var alongRows = windowSize(cols), alongCols = windowSize(rows);
    for (k = 0; k < 2; k++) {
      for (r = 0; r < rows; r++) { box1D(buffer1, buffer2, r * cols, cols, 1, alongRows); }
      for (c = 0; c < cols; c++) { box1D(buffer2, buffer1, c, rows, cols, alongCols); }
    }
    var small = new Float32Array(64 * 64);
    for (i = 0; i < 64; i++) {
      var ini = Math.floor(((i + 0.5) * rows) / 64);
      for (j = 0; j < 64; j++) {
        small[i * 64 + j] = buffer1[ini * cols + Math.floor(((j + 0.5) * cols) / 64)];
      }
    }
    var gradients = 0;
    for (i = 0; i < 63; i++) {
      for (j = 0; j < 64; j++) { gradients += Math.abs(Math.trunc(((small[i * 64 + j] - small[(i + 1) * 64 + j]) * 100) / 255)); }
    }
    for (i = 0; i < 64; i++) {
      for (j = 0; j < 63; j++) { gradients += Math.abs(Math.trunc(((small[i * 64 + j] - small[i * 64 + j + 1]) * 100) / 255)); }
    }
    var quality = Math.min(100, Math.trunc(gradients / 90));
    var temp = new Float32Array(16 * 64), block = new Float32Array(256), sum;
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 64; j++) {
        sum = 0;
        for (k = 0; k < 64; k++) { sum = f32(sum + f32(DCT[i][k] * small[k * 64 + j])); }
        temp[i * 64 + j] = sum;
      }
    }
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 16; j++) {
        sum = 0;
        for (k = 0; k < 64; k++) { sum = f32(sum + f32(temp[i * 64 + k] * DCT[j][k])); }
        block[i * 16 + j] = sum;
      }
    }
    var median = Array.prototype.slice.call(block).sort(function (a, b) { return a - b; })[127];
    var words = new Array(16).fill(0);
    for (k = 0; k < 256; k++) {
      if (block[k] > median) { words[k >> 4] |= 1 << (k & 15); }
    }
    var hex = "";
    for (i = 15; i >= 0; i--) { hex += (words[i] + 0x10000).toString(16).slice(1); }
    return { hash: hex, quality: quality };
  }

  /* ---- MD5 (RFC 1321) ---- */
  var S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  var K = new Int32Array(64);
  (function () { for (var i = 0; i < 64; i++) { K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) | 0; } })();

  function md5(buffer) {
    var bytes = new Uint8Array(buffer), length = bytes.length;
    var padded = new Uint8Array(((length + 8) >> 6) * 64 + 64);
    padded.set(bytes);
    padded[length] = 0x80;
    var view = new DataView(padded.buffer), bits = length * 8;
    view.setUint32(padded.length - 8, bits >>> 0, true);
    view.setUint32(padded.length - 4, Math.floor(bits / 4294967296), true);
    var a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
    var m = new Int32Array(16), off, i, a, b, c, d, f, g, t;
    for (off = 0; off < padded.length; off += 64) {
      for (i = 0; i < 16; i++) { m[i] = view.getInt32(off + i * 4, true); }
      a = a0; b = b0; c = c0; d = d0;
      for (i = 0; i < 64; i++) {
        if (i < 16) { f = (b & c) | (~b & d); g = i; }
        else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
        else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
        else { f = c ^ (b | ~d); g = (7 * i) & 15; }
        t = d; d = c; c = b;
        var x = (a + f + K[i] + m[g]) | 0, s = S[(i >> 4) * 4 + (i & 3)];
        b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
        a = t;
      }
      a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
    }
    var out = "", words = [a0, b0, c0, d0], w, byte;
    for (w = 0; w < 4; w++) {
      for (byte = 0; byte < 4; byte++) { out += ((words[w] >>> (byte * 8)) & 255).toString(16).padStart(2, "0"); }
    }
    return out;
  }

  /* The pixels of a picture file, as stored ("none": the orientation tag ignored, as the
     server and the reference hash them) or as displayed ("from-image": the tag applied, as a
     platform that re-encodes the photo upright would store it). No colour conversion. */
  function pixels(file, orientation) {
    return createImageBitmap(file, {
      imageOrientation: orientation, colorSpaceConversion: "none", premultiplyAlpha: "none"
    }).then(function (bitmap) {
      var canvas = document.createElement("canvas");
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(bitmap, 0, 0);
      bitmap.close();
      var data = context.getImageData(0, 0, canvas.width, canvas.height);
      canvas.width = canvas.height = 0;  // let the memory go at once
      return data;
    });
  }

  /* Where a JPEG's EXIF orientation tag (1-8) is: {value, offset, little}, or null. */
  function orientationTag(buffer) {
    var view = new DataView(buffer), offset = 2, length = view.byteLength;
    if (length < 4 || view.getUint16(0) !== 0xffd8) { return null; }
    while (offset + 4 < length) {
      var marker = view.getUint16(offset), size = view.getUint16(offset + 2);
      if (marker === 0xffe1 && offset + 18 < length && view.getUint32(offset + 4) === 0x45786966) {
        var tiff = offset + 10, little = view.getUint16(tiff) === 0x4949;
        var ifd = tiff + view.getUint32(tiff + 4, little);
        if (ifd + 2 > length) { return null; }
        var count = view.getUint16(ifd, little);
        for (var i = 0; i < count; i++) {
          var entry = ifd + 2 + i * 12;
          if (entry + 12 > length) { return null; }
          if (view.getUint16(entry, little) === 0x0112) {
            return { value: view.getUint16(entry + 8, little), offset: entry + 8, little: little };
          }
        }
        return null;
      }
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) { return null; }
      offset += 2 + size;
    }
    return null;
  }

  function orientation(buffer) {
    var tag = orientationTag(buffer);
    return tag ? tag.value : 1;
  }

  /* The file's pixels as stored: Chromium applies the orientation tag whatever it is asked, so
     a copy of the bytes with the tag set to 1 ("upright as stored") is decoded instead. */
  function storedPixels(buffer, file) {
    var tag = orientationTag(buffer);
    if (!tag || tag.value === 1) { return pixels(file, "none"); }
    var copy = buffer.slice(0);
    new DataView(copy).setUint16(tag.offset, 1, tag.little);
    return pixels(new Blob([copy]), "none");
  }

  /* The number of colour components of a JPEG (3, or 4 for CMYK), or 0 if not a JPEG. */
  function jpegComponents(buffer) {
    var view = new DataView(buffer), offset = 2, length = view.byteLength;
    if (length < 4 || view.getUint16(0) !== 0xffd8) { return 0; }
    while (offset + 9 < length) {
      var marker = view.getUint16(offset);
      if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) { return 0; }
      if (marker >= 0xffc0 && marker <= 0xffcf && marker !== 0xffc4 && marker !== 0xffc8 && marker !== 0xffcc) {
        return view.getUint8(offset + 9);
      }
      offset += 2 + view.getUint16(offset + 2);
    }
    return 0;
  }

  /* A palette PNG's colour indices as grey pixels, or null. The server and the reference data
     hash a palette image by its indices (hashes/decoder.py image_pixels), not its colours. */
  function paletteIndices(buffer) {
    var view = new DataView(buffer), bytes = new Uint8Array(buffer);
    if (bytes.length < 33 || view.getUint32(0) !== 0x89504e47) { return Promise.resolve(null); }
    var width = view.getUint32(16), height = view.getUint32(20), depth = bytes[24];
    if (bytes[25] !== 3 || bytes[28] !== 0) { return Promise.resolve(null); }  // palette, not interlaced
    var parts = [], offset = 8;
    while (offset + 8 <= bytes.length) {
      var size = view.getUint32(offset), type = view.getUint32(offset + 4);
      if (type === 0x49444154) { parts.push(bytes.subarray(offset + 8, offset + 8 + size)); }
      offset += 12 + size;
    }
    var stream = new Blob(parts).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (raw) {
      var data = new Uint8Array(raw), stride = Math.ceil((width * depth) / 8);
      var rows = new Uint8Array(stride * height), prev = new Uint8Array(stride), y, x, p = 0;
      for (y = 0; y < height; y++) {
        var filter = data[p++], line = rows.subarray(y * stride, (y + 1) * stride);
        for (x = 0; x < stride; x++) {
          var value = data[p++], left = x ? line[x - 1] : 0, up = prev[x], corner = x ? prev[x - 1] : 0;
          if (filter === 1) { value += left; }
          else if (filter === 2) { value += up; }
          else if (filter === 3) { value += (left + up) >> 1; }
          else if (filter === 4) {
            var e = left + up - corner, pa = Math.abs(e - left), pb = Math.abs(e - up), pc = Math.abs(e - corner);
            value += pa <= pb && pa <= pc ? left : pb <= pc ? up : corner;
          }
          line[x] = value & 255;
        }
        prev = line;
      }
      var rgba = new Uint8ClampedArray(width * height * 4), per = 8 / depth, mask = (1 << depth) - 1;
      for (y = 0; y < height; y++) {
        for (x = 0; x < width; x++) {
          var byte = rows[y * stride + Math.floor(x / per)];
          var index = depth === 8 ? byte : (byte >> (8 - depth * ((x % per) + 1))) & mask;
          var q = (y * width + x) * 4;
          rgba[q] = rgba[q + 1] = rgba[q + 2] = index; rgba[q + 3] = 255;
        }
      }
      return { data: rgba, width: width, height: height };
    });
  }

  function complement(hex) {
    var out = "";
    for (var i = 0; i < hex.length; i++) { out += (15 - parseInt(hex[i], 16)).toString(16); }
    return out;
  }

  /* Every hash of one picture file: MD5 of the bytes, PDQ of the pixels as stored (as the server
     reads the file) and, when it differs, as displayed (the orientation tag applied, the palette
     or CMYK shown as colours: what a platform that re-encodes the photo stores).
     Resolves to {md5, pdq: [{hash, quality, as}], width, height}. */
  function hashFile(file) {
    return file.arrayBuffer().then(function (buffer) {
      var result = { md5: md5(buffer), pdq: [] };
      var tagged = orientation(buffer) !== 1, cmyk = jpegComponents(buffer) === 4;
      function add(hash, as) {
        if (!result.pdq.some(function (h) { return h.hash === hash.hash; })) {
          result.pdq.push({ hash: hash.hash, quality: hash.quality, as: as });
        }
      }
      return Promise.all([storedPixels(buffer, file), paletteIndices(buffer)]).then(function (decoded) {
        var shown = decoded[0], indices = decoded[1];
        var colours = pdqFromRGBA(shown.data, shown.width, shown.height);
        result.width = shown.width;
        result.height = shown.height;
        if (indices) {
          add(pdqFromRGBA(indices.data, indices.width, indices.height), "stored");
        } else if (cmyk) {
          // The server reads an Adobe CMYK JPEG's inverted channels: the complement hash.
          add({ hash: complement(colours.hash), quality: colours.quality }, "stored");
        } else {
          add(colours, "stored");
        }
        add(colours, "displayed");
        if (!tagged) { return result; }
        return pixels(file, "from-image").then(function (upright) {
          add(pdqFromRGBA(upright.data, upright.width, upright.height), "displayed");
          return result;
        });
      });
    });
  }

  root.karpearHashing = { pdqFromRGBA: pdqFromRGBA, md5: md5, hashFile: hashFile, orientation: orientation };
})(window);
