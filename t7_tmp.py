import numpy as np, time, yaml, random
from benchmarks.foodmart import read_instances, layout_doc
from engine.io.layout import parse_layout
from engine.routing.graph_tsp import heuristic_tour, prove_tour
insts = read_instances()
inst = [i for i, o in insts if i.name == "instances_d5_ord30"][0]
lay = parse_layout(yaml.safe_dump(layout_doc(inst)), "f.yaml")
rng = random.Random(0)
heuristic_tour(np.abs(np.arange(10.)[:,None]-np.arange(10.)[None,:]), 5)
res = {k: [] for k in ("0", "1n", "2n", "5n")}
tms = {k: [] for k in res}
for rep in range(30):
    orders = rng.sample(inst.orders, 8)
    nodes = sorted({f"v{inst.product_vertex[p]}" for o in orders for p, _ in o.lines})
    d = lay.distance_matrix([lay.depot(), *nodes])
    n = len(nodes)
    ref = heuristic_tour(d, 100 * n)[1]
    for k, kicks in (("0", 0), ("1n", n), ("2n", 2*n), ("5n", 5*n)):
        t = time.perf_counter(); L = heuristic_tour(d, kicks)[1]; tms[k].append(time.perf_counter() - t)
        res[k].append(L / ref - 1)
print("n", n)
for k in res:
    print(k, f"mean gap {100*np.mean(res[k]):.3f}% max {100*np.max(res[k]):.3f}% time {1000*np.median(tms[k]):.2f} ms")
