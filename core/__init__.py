"""What the registry (projects) and supervision both need: lights, dates and the clock, Excel
writing. Imports neither app, so both can import it without crossing the app boundary."""
