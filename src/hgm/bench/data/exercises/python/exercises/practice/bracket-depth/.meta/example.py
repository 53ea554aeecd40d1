PAIRS = {")": "(", "]": "[", "}": "{"}


def max_depth(text):
    stack = []
    deepest = 0
    for char in text:
        if char in "([{":
            stack.append(char)
            deepest = max(deepest, len(stack))
        elif char in PAIRS and (not stack or stack.pop() != PAIRS[char]):
            raise ValueError("unbalanced brackets")
    if stack:
        raise ValueError("unbalanced brackets")
    return deepest
