import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

public class ShapeAreaTest {

    @Test
    public void noShapes() {
        assertThat(ShapeArea.total()).isEqualTo(0.0);
    }

    @Disabled("Remove to run test")
    @Test
    public void oneCircle() {
        assertThat(ShapeArea.total(1.0)).isCloseTo(Math.PI, within(1e-9));
    }

    @Disabled("Remove to run test")
    @Test
    public void twoCircles() {
        assertThat(ShapeArea.total(1.0, 2.0)).isCloseTo(5 * Math.PI, within(1e-9));
    }

}
