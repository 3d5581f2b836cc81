"""Panel campaigns of the regional unions (URPS): candidates, reproducible stratified draw."""
