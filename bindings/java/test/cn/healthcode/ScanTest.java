package cn.healthcode;

import static cn.healthcode.T.check;
import static cn.healthcode.T.eq;
import static cn.healthcode.T.expectError;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** scanFrame and scanPng (issue 22 point 7): Python's test_scan_frame — the sample token's
 *  modules drawn 4 px a module into a frame whose rows are longer than its width — from a
 *  byte[], a direct buffer (a camera's Y plane) and a heap buffer at a position. */
final class ScanTest {
    private ScanTest() {}

    static void run(Path root) throws Exception {
        String token = Files.readString(root.resolve("examples/trust/sample.token")).trim();
        List<String> rows = Files.readAllLines(root.resolve("tests/frames/sample.modules")).stream()
            .map(String::strip).filter(r -> !r.isEmpty()).collect(Collectors.toList());
        int px = 4, side = rows.size() + 8, width = side * px, height = side * px, stride = width + 24;
        byte[] frame = new byte[stride * height];
        Arrays.fill(frame, (byte) 0xff);
        for (int y = 0; y < rows.size(); y++)
            for (int x = 0; x < rows.get(y).length(); x++)
                if (rows.get(y).charAt(x) == '#')
                    for (int dy = 0; dy < px; dy++) {
                        int o = ((y + 4) * px + dy) * stride + (x + 4) * px;
                        Arrays.fill(frame, o, o + px, (byte) 0);
                    }
        try {
            eq(HealthCode.scanFrame(frame, width, height, stride), token, "scanFrame of a byte[]");
        } catch (HealthCodeException e) {
            if (e.name.equals("unsupported")) {
                System.out.println("no scan part in this build: scanFrame checks skipped (" + e.getMessage() + ")");
                return;
            }
            throw e;
        }
        // the last row needs only width bytes, as a Y plane often ends
        byte[] cut = Arrays.copyOf(frame, stride * (height - 1) + width);
        eq(HealthCode.scanFrame(cut, width, height, stride), token, "a frame that ends at its last row's width");
        ByteBuffer direct = ByteBuffer.allocateDirect(frame.length + 7);
        direct.position(7);
        direct.put(frame).position(7);
        eq(HealthCode.scanFrame(direct, width, height, stride), token, "scanFrame of a direct buffer at a position");
        ByteBuffer heap = ByteBuffer.allocate(frame.length + 3);
        heap.position(3);
        heap.put(frame).position(3);
        eq(HealthCode.scanFrame(heap, width, height, stride), token, "scanFrame of a heap buffer at a position");
        eq(HealthCode.scanFrame(heap.asReadOnlyBuffer(), width, height, stride), token, "a read-only buffer");
        byte[] white = new byte[64 * 64];
        Arrays.fill(white, (byte) 0xff);
        expectError(InvalidInputException.class, "no_code_found", "a white frame",
                    () -> HealthCode.scanFrame(white, 64, 64));
        expectError(InvalidInputException.class, "invalid_argument", "a frame smaller than its sizes",
                    () -> HealthCode.scanFrame(new byte[10], 64, 64));
        expectError(InvalidInputException.class, "invalid_argument", "stride below width",
                    () -> HealthCode.scanFrame(white, 64, 32, 32));
        expectError(InvalidInputException.class, "invalid_argument", "sizes whose product wraps in 32 bits",
                    () -> HealthCode.scanFrame(white, 65536, 65536, 65536));
        expectError(InvalidInputException.class, "invalid_argument", "a negative width",
                    () -> HealthCode.scanFrame(white, -1, 64, 64));
        expectError(InvalidInputException.class, "invalid_argument", "a direct buffer too small",
                    () -> HealthCode.scanFrame(ByteBuffer.allocateDirect(100), 64, 64, 64));

        byte[] png = HealthCode.renderPng(token, 4);
        try {
            eq(HealthCode.scanPng(png), token, "scanPng of renderPng");
            expectError(InvalidInputException.class, "invalid_image", "scanPng of bytes that are not a PNG",
                        () -> HealthCode.scanPng("not a png".getBytes()));
        } catch (HealthCodeException e) {
            check(e.name.equals("unsupported"), "scanPng: " + e);
        }
        check(HealthCode.renderSvg(token, 4).startsWith("<"), "renderSvg");
        check(HealthCode.qrVersion(token) >= 1 && HealthCode.qrVersion(token) <= 9, "qrVersion " + HealthCode.qrVersion(token));
    }
}
