import java.util.ArrayDeque;
import java.util.Deque;

public class StackCalculator {

    public long evaluate(String expression) {
        Deque<Long> stack = new ArrayDeque<>();
        String trimmed = expression.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("empty expression");
        }
        for (String token : trimmed.split(" +")) {
            if (token.matches("-?\\d+")) {
                stack.push(Long.parseLong(token));
                continue;
            }
            if (!token.matches("[-+*/]")) {
                throw new IllegalArgumentException("unknown token: " + token);
            }
            if (stack.size() < 2) {
                throw new IllegalArgumentException("operator " + token + " needs two operands");
            }
            long right = stack.pop();
            long left = stack.pop();
            switch (token) {
                case "+" -> stack.push(left + right);
                case "-" -> stack.push(left - right);
                case "*" -> stack.push(left * right);
                default -> {
                    if (right == 0) {
                        throw new IllegalArgumentException("division by zero");
                    }
                    stack.push(left / right);
                }
            }
        }
        if (stack.size() != 1) {
            throw new IllegalArgumentException("expression leaves " + stack.size() + " values");
        }
        return stack.pop();
    }
}
