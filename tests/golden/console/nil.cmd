GET missing
