# Define your tests here.
