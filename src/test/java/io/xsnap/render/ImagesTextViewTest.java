package io.xsnap.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImagesTextViewTest {
    @ParameterizedTest
    @CsvSource({
        "0, 0 B",
        "1023, 1023 B",
        "1024, 1 KiB",
        "1536, 1.5 KiB",
        "67108864, 64 MiB",
        "1610612736, 1.5 GiB",
        "9223372036854775807, 8 EiB",
    })
    void sizesUseBinaryUnits(long bytes, String shown) {
        assertEquals(shown, ImagesTextView.size(bytes));
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0000:00:00.000",
        "1500000000, 0000:00:01.500",
        "3723004000000, 0001:02:03.004",
    })
    void vmClockLikeQemuImg(long nanos, String shown) {
        assertEquals(shown, ImagesTextView.vmClock(nanos));
    }
}
