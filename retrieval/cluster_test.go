package retrieval

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// separatedGroups returns unit vectors in groups of the given sizes around
// random centres, shuffled, and each vector's group. Members are within
// about 0.95 cosine of their centre, centres about 0 of each other.
func separatedGroups(sizes []int, dims int, seed uint64) ([][]float32, []int) {
	rng := rand.New(rand.NewPCG(seed, 0))
	var vecs [][]float32
	var group []int
	for g, n := range sizes {
		centre := make([]float32, dims)
		for j := range centre {
			centre[j] = float32(rng.NormFloat64())
		}
		normalize(centre)
		for range n {
			v := make([]float32, dims)
			for j := range v {
				v[j] = centre[j] + float32(rng.NormFloat64()*0.3/math.Sqrt(float64(dims)))
			}
			normalize(v)
			vecs = append(vecs, v)
			group = append(group, g)
		}
	}
	rng.Shuffle(len(vecs), func(i, j int) {
		vecs[i], vecs[j] = vecs[j], vecs[i]
		group[i], group[j] = group[j], group[i]
	})
	return vecs, group
}

// unitAt returns the 2-D unit vector at deg degrees.
func unitAt(deg float64) []float32 {
	r := deg * math.Pi / 180
	return []float32{float32(math.Cos(r)), float32(math.Sin(r))}
}

func TestClusterSeparatedGroups(t *testing.T) {
	sizes := []int{12, 9, 6, 3} // distinct, so the labels are known
	vecs, group := separatedGroups(sizes, 64, 1)
	got := Cluster(vecs, 0.8)
	for i := range vecs {
		// Groups were made largest first, so the group index is the label.
		if got[i] != group[i] {
			t.Fatalf("Cluster: vector %d labelled %d, want %d (labels %v, groups %v)", i, got[i], group[i], got, group)
		}
	}
}

func TestClusterThresholdOneSingletons(t *testing.T) {
	vecs, _ := separatedGroups([]int{5, 5}, 16, 2)
	got := Cluster(vecs, 1)
	slices.Sort(got)
	for i, l := range got {
		if l != i {
			t.Fatalf("Cluster(threshold 1): sorted labels %v, want 0..%d each once", got, len(vecs)-1)
		}
	}
}

func TestClusterAverageLinkage(t *testing.T) {
	// cos(a,b) = .90, cos(b,c) = .80, cos(a,c) = .46: a and b merge first;
	// then c is .63 similar to {a,b} on average. Single linkage would take c
	// in at .80, complete linkage only at .46.
	b := math.Acos(0.9) * 180 / math.Pi
	c := b + math.Acos(0.8)*180/math.Pi
	vecs := [][]float32{unitAt(0), unitAt(b), unitAt(c)}
	tests := []struct {
		name      string
		threshold float64
		want      []int
	}{
		{"all alone above .90", 0.95, []int{0, 1, 2}},
		{"a and b at .90", 0.89, []int{0, 0, 1}},
		{"c stays out at .70", 0.7, []int{0, 0, 1}},
		{"c joins at .60", 0.6, []int{0, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Cluster(vecs, tc.threshold); !slices.Equal(got, tc.want) {
				t.Errorf("Cluster(threshold %v) = %v, want %v", tc.threshold, got, tc.want)
			}
		})
	}
}

func TestClusterDeterministic(t *testing.T) {
	vecs, _ := separatedGroups([]int{20, 15, 10, 5, 1, 1}, 32, 3)
	// Exact duplicates make ties, which must be broken the same way.
	vecs = append(vecs, vecs[0], vecs[1], vecs[0])
	for _, threshold := range []float64{0.3, 0.8, 0.99} {
		want := Cluster(vecs, threshold)
		for range 5 {
			if got := Cluster(vecs, threshold); !slices.Equal(got, want) {
				t.Fatalf("Cluster(threshold %v) changed between runs:\n%v\n%v", threshold, got, want)
			}
		}
	}
}

func TestClusterEmptyAndOne(t *testing.T) {
	if got := Cluster(nil, 0.5); len(got) != 0 {
		t.Errorf("Cluster(nil) = %v, want none", got)
	}
	if got := Cluster([][]float32{{1, 0}}, 0.5); !slices.Equal(got, []int{0}) {
		t.Errorf("Cluster(one vector) = %v, want [0]", got)
	}
	if got := ClusterMembers(nil, nil); got != nil {
		t.Errorf("ClusterMembers(nil) = %v, want nil", got)
	}
}

func TestClusterAboveBound(t *testing.T) {
	// With a bound of 10, 40 vectors go through the sampled path, which
	// must still recover groups this clear.
	sizes := []int{16, 12, 8, 4}
	vecs, group := separatedGroups(sizes, 64, 4)
	got := cluster(vecs, 0.8, 10)
	for i := range vecs {
		if got[i] != group[i] {
			t.Fatalf("cluster(bound 10): vector %d labelled %d, want %d (labels %v)", i, got[i], group[i], got)
		}
	}
	// Vectors alike to nothing sampled are clustered among themselves.
	lone, _ := separatedGroups([]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 64, 5)
	got = cluster(append(lone, lone...), 0.99, 10)
	if k := slices.Max(got) + 1; k != len(lone) {
		t.Errorf("cluster(12 vectors twice, bound 10): %d clusters, want %d (labels %v)", k, len(lone), got)
	}
}

func TestClusterMembers(t *testing.T) {
	// The middle vector of three is the most central.
	vecs := [][]float32{unitAt(0), unitAt(30), unitAt(10), unitAt(100)}
	labels := Cluster(vecs, 0.85)
	if !slices.Equal(labels, []int{0, 0, 0, 1}) {
		t.Fatalf("Cluster = %v, want [0 0 0 1]", labels)
	}
	got := ClusterMembers(vecs, labels)
	want := [][]int{{2, 0, 1}, {3}}
	if len(got) != len(want) || !slices.Equal(got[0], want[0]) || !slices.Equal(got[1], want[1]) {
		t.Errorf("ClusterMembers = %v, want %v", got, want)
	}
}

func BenchmarkCluster(b *testing.B) {
	vecs, _ := separatedGroups(slices.Repeat([]int{20}, 200), 512, 6)
	for b.Loop() {
		Cluster(vecs, DefaultClusterThreshold)
	}
}
