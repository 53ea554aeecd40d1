import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

public class StackCalculatorTest {

    private final StackCalculator calculator = new StackCalculator();

    @Test
    public void singleNumber() {
        assertThat(calculator.evaluate("42")).isEqualTo(42L);
    }

    @Disabled("Remove to run test")
    @Test
    public void addition() {
        assertThat(calculator.evaluate("3 4 +")).isEqualTo(7L);
    }

    @Disabled("Remove to run test")
    @Test
    @DisplayName("operators apply in postfix order")
    public void mixedOperators() {
        assertThat(calculator.evaluate("5 1 2 + 4 * + 3 -")).isEqualTo(14L);
    }

    @Disabled("Remove to run test")
    @Test
    public void negativeNumbersAndSpaces() {
        assertThat(calculator.evaluate("  -4   2  *  ")).isEqualTo(-8L);
    }

    @Disabled("Remove to run test")
    @Test
    public void divisionTruncatesTowardZero() {
        assertThat(calculator.evaluate("-7 2 /")).isEqualTo(-3L);
    }

    @Disabled("Remove to run test")
    @Test
    public void invalidExpressionsThrow() {
        for (String bad : new String[] {"", "1 +", "1 2", "4 0 /", "2 3 ^"}) {
            assertThatThrownBy(() -> calculator.evaluate(bad))
                    .as("expression '%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
