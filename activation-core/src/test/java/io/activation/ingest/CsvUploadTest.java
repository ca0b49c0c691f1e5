package io.activation.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.activation.platform.InvalidInputException;
import io.activation.platform.LimitExceededException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

class CsvUploadTest {

    @TempDir
    Path spool;

    private CsvUpload.Received receive(byte[] content) {
        return CsvUpload.receive(new ByteArrayInputStream(content), spool, ImportOptions.DEFAULTS,
                DataSize.ofMegabytes(1));
    }

    private InvalidInputException refused(byte[] content) throws IOException {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> receive(content));
        assertThat(e).isNotNull();
        assertThat(e.errors().get(0).field()).isEqualTo("file");
        try (var files = Files.list(spool)) {
            assertThat(files).as("nothing is kept of a refused file").isEmpty();
        }
        return e;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsTheFileCountsRecordsAndReadsTheHeaderPastAByteOrderMark() throws IOException {
        byte[] csv = utf8("\uFEFFId,Name\r\n1,\"Smith, \"\"Jr\"\"\nsecond line\"\r\n\r\n2,Zoë\r\n");
        CsvUpload.Received received = receive(csv);
        assertThat(received.header()).containsExactly("Id", "Name");
        assertThat(received.records()).isEqualTo(2);
        assertThat(received.bytes()).isEqualTo(csv.length);
        assertThat(Files.readAllBytes(received.file())).isEqualTo(csv);
    }

    @Test
    void uncompressesGzipUploads() throws IOException {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(zipped)) {
            out.write(utf8("Id\n1\n2\n3\n"));
        }
        CsvUpload.Received received = receive(zipped.toByteArray());
        assertThat(received.records()).isEqualTo(3);
        assertThat(Files.readString(received.file())).isEqualTo("Id\n1\n2\n3\n");
    }

    @Test
    void invalidUtf8IsRefusedWithItsLineAndByte() throws IOException {
        byte[] csv = utf8("Id,Name\n1,Ann\n2,Bo\u00e9\n3,X\n");
        int e9 = "Id,Name\n1,Ann\n2,Bo".length(); // 'é' (C3 A9) starts here; break it into C3 28
        assertThat(csv[e9] & 0xff).isEqualTo(0xC3);
        csv[e9 + 1] = 0x28;
        InvalidInputException e = refused(csv);
        assertThat(e.errors().get(0).message()).startsWith("is not valid UTF-8 text: line 3 has the byte C3")
                .contains("at byte " + e9 + " ");
    }

    @Test
    void aTruncatedMultiByteCharacterAtTheEndIsRefused() throws IOException {
        byte[] text = utf8("Id\n\u00e9");
        byte[] cut = java.util.Arrays.copyOf(text, text.length - 1);
        assertThat(refused(cut).errors().get(0).message()).contains("line 2");
    }

    @Test
    void malformedCsvIsRefused() throws IOException {
        assertThat(refused(utf8("Id,Name\n1,\"open quote\n2,x\n")).errors().get(0).message())
                .startsWith("is not valid CSV");
        assertThat(refused(utf8("Id,Name\n1,\"a\"b\n")).errors().get(0).message()).startsWith("is not valid CSV");
    }

    @Test
    void aFileWithoutHeaderOrWithATwiceNamedColumnIsRefused() throws IOException {
        assertThat(refused(new byte[0]).errors().get(0).message()).contains("has no header");
        assertThat(refused(utf8("Id,Id\n1,2\n")).errors().get(0).message()).contains("header");
    }

    @Test
    void theSizeLimitAppliesToTheUncompressedText() throws IOException {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(zipped)) {
            out.write(utf8("Id\n"));
            byte[] line = utf8("0123456789\n");
            for (int i = 0; i < 200_000; i++) {
                out.write(line);
            }
        }
        assertThat(zipped.size()).isLessThan(1 << 20);
        LimitExceededException e = catchThrowableOfType(LimitExceededException.class,
                () -> receive(zipped.toByteArray()));
        assertThat(e).isNotNull();
        assertThat(e.field()).isEqualTo("file");
        assertThat(e.getMessage()).contains("1 MB");
        try (var files = Files.list(spool)) {
            assertThat(files.toList()).isEqualTo(List.of());
        }
    }
}
