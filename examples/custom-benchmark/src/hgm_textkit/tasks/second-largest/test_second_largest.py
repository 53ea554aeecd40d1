from second_largest import second_largest


def test_duplicates_of_the_largest():
    assert second_largest([4, 1, 7, 7, 3]) == 4


def test_all_equal():
    assert second_largest([5, 5]) is None


def test_empty():
    assert second_largest([]) is None


def test_negative_numbers():
    assert second_largest([-3, -1, -2]) == -2


def test_two_values():
    assert second_largest([10, 2]) == 2


def test_input_unchanged():
    numbers = [3, 9, 1]
    second_largest(numbers)
    assert numbers == [3, 9, 1]
